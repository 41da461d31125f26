using Mlstack.Build.Core;

namespace Mlstack.Build.Gates;

/// <summary>A service did not reach its goal: why, and what it printed.</summary>
public sealed class GateFailedException(string service, string reason, IReadOnlyList<string> logTail, IReadOnlyList<string> healthOutputs)
    : BuildFailure($"Service {service} {reason}; its last log lines and healthcheck output are above.")
{
    public string Service { get; } = service;
    public string Reason { get; } = reason;
    public IReadOnlyList<string> LogTail { get; } = logTail;
    public IReadOnlyList<string> HealthOutputs { get; } = healthOutputs;
}
