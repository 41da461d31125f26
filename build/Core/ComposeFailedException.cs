namespace Mlstack.Build.Core;

/// <summary>A compose command (up, config, run…) exited non-zero, here or on a VM. In Core, not Stack: the gates fail
/// with it, and Gates must not depend on Stack (Stack depends on Gates).</summary>
public sealed class ComposeFailedException(string message, int? exitCode, IReadOnlyList<string>? lastLines = null)
    : CommandFailedException(message, exitCode, lastLines);
