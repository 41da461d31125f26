using Mlstack.Build.Core;

namespace Mlstack.Build.Cluster;

/// <summary>A check of the preflight failed on some host; each failure was printed as its own line, and the message
/// repeats the first (the one a summary shows).</summary>
public sealed class ClusterPreflightException(ClusterPreflightReport report)
    : BuildFailure(report.Failures.Count == 1
        ? report.Failures[0].Line
        : $"{report.Failures.Count} preflight checks failed (each above); the first: {report.Failures[0].Line}")
{
    public ClusterPreflightReport Report { get; } = report;
}
