using System.Globalization;
using Mlstack.Build.Backup;
using Mlstack.Build.Deploy;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;

namespace Mlstack.Build;

internal sealed partial class Build
{
    Target Releases => _ => _
        .Description("Lists the releases on --host: id, git sha, time, status, which is current and which is the last good one")
        .Requires(() => DeployHost)
        .Executes(async ct =>
        {
            await using var vm = await ConnectVmAsync(ct);
            var releases = await new ReleaseStore(vm, DeployPath).ListAsync(ct);
            if (releases.Count == 0)
            {
                Log.Report($"No releases on {vm.Target.Host} under {DeployPath}: deploy one with ./build.sh Deploy --host {DeployHost}.");
                return;
            }

            Log.Report($"{"release",-26}{"git sha",-10}{"created (UTC)",-22}{"status",-13}");
            foreach (var (release, current, lastGood) in releases)
            {
                var marks = string.Join(", ", new[] { current ? "current" : null, lastGood ? "last good" : null }.OfType<string>());
                Log.Report($"{release.Id,-26}{release.GitSha[..Math.Min(7, release.GitSha.Length)],-10}{release.Created.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),-22}{release.Status,-13}{marks}");
            }
        });

    Target Rollback => _ => _
        .Description("Returns --host to an earlier release (--to ID; default: the last good release before current), behind the same gates; names the backup of its data, and restores it with --restore-data --yes")
        .Requires(() => DeployHost)
        .Executes(async ct =>
        {
            if (RestoreData && (!Yes || BackupPassword == null))
                throw new BuildInputException("--restore-data replaces the VM's data with the backup of the release it returns to, losing what was written since; it needs --yes and --backup-password.");
            await using var link = new VmLink(ConnectVmAsync, Log, "Rollback");
            // Chosen once: run again after a lost connection, "the one before current" may already mean another one.
            (ReleaseInfo Target, ReleaseInfo? Current, BackupEntry? Backup)? choice = null;
            var started = DateTimeOffset.UtcNow;
            await link.RunAsync("the rollback", async vm =>
            {
                choice ??= await ChooseRollbackAsync(vm, ct);
                await RollBackByHandAsync(vm, choice.Value.Target, choice.Value.Current, choice.Value.Backup, started, ct);
            }, ct);
        });

    /// <summary>The release to return to, the current one, and the backup of the target's data (checked before
    /// anything changes: --restore-data with no such backup is refused).</summary>
    private async Task<(ReleaseInfo Target, ReleaseInfo? Current, BackupEntry? Backup)> ChooseRollbackAsync(SshSession vm, CancellationToken ct)
    {
        var releases = await new ReleaseStore(vm, DeployPath).ListAsync(ct);
        var current = releases.FirstOrDefault(r => r.IsCurrent)?.Release;
        var target = To != null
            ? releases.FirstOrDefault(r => r.Release.Id == To)?.Release ?? throw new BuildInputException($"--to {To}: no such release on {vm.Target.Host}; ./build.sh Releases --host {DeployHost} lists them.")
            : releases.Select(r => r.Release).LastOrDefault(r => r.Status == "healthy" && r.Id != current?.Id && string.CompareOrdinal(r.Id, current?.Id ?? "~") < 0)
                ?? throw new BuildInputException($"{vm.Target.Host} has no healthy release before {current?.Id ?? "the current one"} to roll back to; name one with --to.");
        var backup = await BackupOfReleaseAsync(vm, target.Id, ct);
        if (RestoreData && backup == null)
            throw new BuildInputException($"--restore-data: no backup of release {target.Id}'s data in the repository; roll back without it, or restore another with ./build.sh Restore --backup ID.");
        return (target, current, backup);
    }

    private async Task RollBackByHandAsync(SshSession vm, ReleaseInfo target, ReleaseInfo? current, BackupEntry? backup, DateTimeOffset started, CancellationToken ct)
    {
        var store = new ReleaseStore(vm, DeployPath);
        await using var deployLock = await DeployLock.AcquireAsync(vm, DeployPath, new LockHolder(Environment.UserName, Environment.MachineName, target.Id, started), LockWait, Log, ct);
        var (activation, upOptions) = await ActivationAsync(vm, store, ct);
        try
        {
            await activation.UpAsync(target.Id, upOptions, ct);
        }
        catch (Exception e) when (e is Gates.GateFailedException or InvalidOperationException)
        {
            if (!await vm.IsAliveAsync())
                throw;
            await RecordAsync(store, AuditLine(target, "failed", $"rollback by hand to {target.Id} failed: {e.Message}") with { Start = started }, CancellationToken.None);
            throw;
        }

        await store.PointAsync("current", target.Id, ct);
        await store.PointAsync("last_good", target.Id, ct);
        var move = $"from {current?.Id ?? "nothing"} to {target.Id}";
        if (RestoreData && backup != null)
        {
            try
            {
                await RestoreReleaseDataAsync(vm, backup, current, ct);
            }
            catch (Exception e) when (e is BackupException or Gates.GateFailedException or InvalidOperationException)
            {
                if (await vm.IsAliveAsync())
                    await RecordAsync(store, AuditLine(target, "rolled back by hand", $"{move}; restoring backup {backup.ShortId} failed, data as before: {e.Message}") with { Start = started }, CancellationToken.None);
                throw;
            }
        }

        var data = DataNote(backup, target.Id, restored: RestoreData);
        await RecordAsync(store, AuditLine(target, "rolled back by hand", $"{move}; {data}") with { Start = started }, ct);
        Log.Success($"Rollback: {vm.Target.Host} runs release {target.Id} (was {current?.Id ?? "nothing"}); {data}.");
    }

    Target Audit => _ => _
        .Description("Prints the deploy log of --host, newest last: who, from where, release, outcome and why")
        .Requires(() => DeployHost)
        .Executes(async ct =>
        {
            await using var vm = await ConnectVmAsync(ct);
            var entries = await new ReleaseStore(vm, DeployPath).ReadAuditAsync(ct);
            if (entries.Count == 0)
                Log.Report($"No deploys recorded on {vm.Target.Host}.");
            foreach (var e in entries)
                Log.Report($"{e.End.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}  {e.Outcome,-20} {e.Release,-26} {e.User}@{e.Machine}  git {e.GitSha[..Math.Min(7, e.GitSha.Length)]}  {(e.End - e.Start).TotalSeconds:0}s  {e.Reason}");
        });
}
