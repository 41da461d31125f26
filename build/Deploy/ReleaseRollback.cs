using Mlstack.Build.Backup;
using Mlstack.Build.Core;
using Mlstack.Build.Remote;

namespace Mlstack.Build.Deploy;

/// <summary>Finds the newest backup of a release's data (null: none, or no backup password).</summary>
public delegate Task<BackupEntry?> ReleaseBackupLookup(string releaseId, CancellationToken ct);

/// <summary>Puts a backup's data back on the VM; <c>dataOf</c> is the release whose data it replaces, <c>app</c> how
/// the app comes back on it (the release rolled back to) and, on failure, on the data as it was.</summary>
public delegate Task ReleaseDataRestore(BackupEntry backup, ReleaseInfo? dataOf, AppStart app, CancellationToken ct);

/// <summary>The release a rollback returns to, the one it leaves, and the backup of the target's data.</summary>
public sealed record RollbackChoice(ReleaseInfo Target, ReleaseInfo? Current, BackupEntry? Backup);

/// <summary>Rollback's parameters: the release to return to (null: the last healthy one before current), and whether
/// its data comes back too.</summary>
public sealed record RollbackRequest(string? To, bool RestoreData)
{
    /// <summary>--restore-data replaces data, losing what was written since: only with --yes and a backup password.</summary>
    public void Check(bool confirmed, bool hasBackupPassword)
    {
        if (RestoreData && (!confirmed || !hasBackupPassword))
            throw new BuildInputException("--restore-data replaces the VM's data with the backup of the release it returns to, losing what was written since; it needs --yes and --backup-password.");
    }
}

/// <summary>Rollback by hand: back to an earlier release, behind the same gates, under the deploy lock.</summary>
public sealed partial class ReleaseRollback(IRemoteShell vm, IReleaseRuntime runtime, DeployOptions options, BuildLog log)
{
    private readonly ReleaseStore _store = new(vm, options.DeployPath);
    private DeployAudit Audit => new(_store, options.ReportsDirectory, log);

    /// <summary>Chosen before anything changes: --restore-data with no backup of the target's data is refused.</summary>
    public async Task<RollbackChoice> ChooseAsync(RollbackRequest request, ReleaseBackupLookup backups, CancellationToken ct = default)
    {
        var releases = await _store.ListAsync(ct).ConfigureAwait(false);
        var current = releases.FirstOrDefault(r => r.IsCurrent)?.Release;
        var target = request.To != null
            ? releases.FirstOrDefault(r => r.Release.Id == request.To)?.Release
                ?? throw new BuildInputException($"--to {request.To}: no such release on {vm.Target.Host}; ./build.sh Releases --host {options.Host} lists them.")
            : releases.Select(r => r.Release).LastOrDefault(r => r.Status == ReleaseStatus.Healthy && r.Id != current?.Id && string.CompareOrdinal(r.Id, current?.Id ?? "~") < 0)
                ?? throw new BuildInputException($"{vm.Target.Host} has no healthy release before {current?.Id ?? "the current one"} to roll back to; name one with --to.");
        var backup = await backups(target.Id, ct).ConfigureAwait(false);
        if (request.RestoreData && backup == null)
            throw new BuildInputException($"--restore-data: no backup of release {target.Id}'s data in the repository; roll back without it, or restore another with ./build.sh Restore --backup ID.");
        return new RollbackChoice(target, current, backup);
    }
}
