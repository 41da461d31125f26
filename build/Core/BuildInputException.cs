namespace Mlstack.Build.Core;

/// <summary>A mistake the user can fix (bad parameter, unknown target, malformed file). Printed as one line,
/// without a stack trace, and the build exits 1.</summary>
public sealed class BuildInputException(string message) : Exception(message);
