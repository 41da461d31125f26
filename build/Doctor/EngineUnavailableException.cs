using Mlstack.Build.Core;

namespace Mlstack.Build.Doctor;

/// <summary>No Docker Engine answers where the build looks for one (or one it started never answered): one line
/// saying where, and what to start or install.</summary>
public sealed class EngineUnavailableException(string message) : BuildFailure(message);
