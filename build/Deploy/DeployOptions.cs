namespace Mlstack.Build.Deploy;

/// <summary>What Deploy, Rollback and their state machines need of the parameters.</summary>
/// <param name="Host">--host as given: the hints printed to the user repeat it.</param>
/// <param name="ReportsDirectory">Where deploy-audit.jsonl collects this run's audit lines (uploaded by the deploy workflow).</param>
public sealed record DeployOptions(string Host, string DeployPath, int KeepReleases, TimeSpan LockWait, string ReportsDirectory)
{
    /// <summary>How long a return to the last good release may take once a deploy was cancelled (Ctrl-C): it runs on a
    /// fresh token, so it must end by itself.</summary>
    public TimeSpan RollbackTimeLimit { get; init; } = TimeSpan.FromMinutes(30);
}
