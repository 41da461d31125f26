using Mlstack.Build.Core;

namespace Mlstack.Build.Deploy;

/// <summary>Where a deploy's or rollback's outcome is written: the VM's audit log, the reports (deploy-audit.jsonl,
/// uploaded by the deploy workflow) and, on GitHub Actions, the run's summary page. No setting's value is in it.</summary>
public sealed class DeployAudit(ReleaseStore store, string reportsDirectory, BuildLog log)
{
    public async Task RecordAsync(AuditEntry entry, CancellationToken ct = default)
    {
        await store.AppendAuditAsync(entry, ct).ConfigureAwait(false);
        Directory.CreateDirectory(reportsDirectory);
        await File.AppendAllTextAsync(Path.Combine(reportsDirectory, "deploy-audit.jsonl"), ReleaseJson.Line(entry) + "\n", CancellationToken.None).ConfigureAwait(false);
        log.StepSummary.Append($"**Deploy**: release `{entry.Release}` (git `{ShortSha(entry.GitSha)}`) — **{entry.Outcome.Wire()}**: {entry.Reason}\n");
    }

    /// <summary>The audit line of <paramref name="release"/>, ending now.</summary>
    public static AuditEntry Line(ReleaseInfo release, AuditOutcome outcome, string reason) =>
        new(release.User, release.Machine, release.GitSha, release.Id, release.Images, release.Created, DateTimeOffset.UtcNow, outcome, reason);

    public static string ShortSha(string sha) => sha[..Math.Min(7, sha.Length)];
}
