using Mlstack.Build.Backup;
using Mlstack.Build.Core;
using Mlstack.Build.Remote;

namespace Mlstack.Build.Deploy;

/// <summary>The files of the new release (its config may be uploaded on the way); called once, and only when the
/// release is not on the VM yet.</summary>
public delegate Task<IReadOnlyList<ReleaseFile>> ReleaseFilesSource(CancellationToken ct);

/// <summary>Backs up the outgoing release's data before the switch (null: no backup taken). A failure stops the deploy
/// with nothing switched.</summary>
public delegate Task<BackupEntry?> OutgoingBackup(ReleaseInfo? outgoing, ReleaseInfo incoming, CancellationToken ct);

/// <summary>Deploy's state machine on one VM connection: under the deploy lock, upload the release (once), start and
/// gate it, smoke it, and return to the last good release by <see cref="RollbackRule"/>. Safe to run again after a
/// lost connection: an uploaded release is not uploaded twice, and one already found failed goes straight back to the
/// last good release.</summary>
public sealed partial class ReleaseDeployment(IRemoteShell vm, IReleaseRuntime runtime, DeployOptions options, BuildLog log)
{
    private readonly ReleaseStore _store = new(vm, options.DeployPath);
    private DeployAudit Audit => new(_store, options.ReportsDirectory, log);

    /// <summary>A new release of this build, by the user on this machine, not uploaded yet.</summary>
    /// <param name="images">Reference (repository:content tag) → image id.</param>
    public static ReleaseInfo Pending(string gitSha, string shortSha, IReadOnlyDictionary<string, string> images, DateTimeOffset started) =>
        new(ReleaseStore.NewId(started, shortSha), gitSha, images, Environment.UserName, Environment.MachineName, started, ReleaseStatus.Pending);

    public async Task RunAsync(ReleaseInfo release, ReleaseFilesSource files, OutgoingBackup backUp, CancellationToken ct = default)
    {
        await using var deployLock = await DeployLock.AcquireAsync(vm, options.DeployPath, new LockHolder(release.User, release.Machine, release.Id, release.Created), options.LockWait, log, ct).ConfigureAwait(false);
        var listing = await _store.ListAsync(ct).ConfigureAwait(false);
        await RecordInterruptedAsync(listing, release.Id, ct).ConfigureAwait(false);
        var recorded = listing.FirstOrDefault(r => r.Release.Id == release.Id)?.Release;
        BackupEntry? before = null;
        if (recorded == null)
        {
            var bundle = await files(ct).ConfigureAwait(false);
            release = release with { Content = ReleaseBundle.Hash(bundle) };
            var current = listing.FirstOrDefault(l => l.IsCurrent)?.Release;
            if (current is { Status: ReleaseStatus.Healthy } && current.Content == release.Content)
            {
                await KeepUnchangedAsync(current, release, ct).ConfigureAwait(false);
                return;
            }

            before = await backUp(current, release, ct).ConfigureAwait(false);
            await _store.UploadAsync(release, bundle, ct).ConfigureAwait(false);
            log.Info($"Deploy: release {release.Id} uploaded to {_store.ReleaseDirectory(release.Id)}");
        }
        else if (recorded.Status == ReleaseStatus.Failed)
        {
            const string reason = "it failed its gates or smoke test before the SSH connection was lost";
            await ReturnToLastGoodAsync(release, reason, null).ConfigureAwait(false);
            throw new ReleaseFailedException($"Release {release.Id}: {reason}.");
        }

        await SwitchAsync(release, before, ct).ConfigureAwait(false);
    }

    /// <summary>A release still pending while we hold the lock lost its deploy (killed, or cut off for good): it is
    /// marked interrupted, and the audit log says so.</summary>
    private async Task RecordInterruptedAsync(IReadOnlyList<ReleaseListing> listing, string ours, CancellationToken ct)
    {
        foreach (var (release, _, _) in listing)
        {
            if (release.Status != ReleaseStatus.Pending || release.Id == ours)
                continue;
            await _store.SetStatusAsync(release.Id, ReleaseStatus.Interrupted, ct).ConfigureAwait(false);
            await Audit.RecordAsync(DeployAudit.Line(release, AuditOutcome.Interrupted, $"its deploy ended without a result; found by the deploy of {ours}"), ct).ConfigureAwait(false);
            log.Warn($"Deploy: release {release.Id} was left pending by a deploy that did not finish; marked interrupted.");
        }
    }
}
