using Mlstack.Build.Backup;
using Mlstack.Build.Deploy;
using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;

namespace Mlstack.Build;

/// <summary>Where Deploy and Rollback meet Backup: the outgoing release's data is backed up before a switch, tagged
/// with that release, and Rollback names (or, with --restore-data --yes, restores) the backup of the release it
/// returns to. Code goes back by itself; data only when asked, since it loses what was written since.</summary>
internal sealed partial class Build
{
    [Parameter("Rollback: also put back the data of the release it returns to, from its newest backup (the one Deploy took before replacing it); needs --yes and --backup-password")]
    private readonly bool RestoreData;

    /// <summary>Backs up the running release's data before anything switches (on the VM, or a swarm's data node:
    /// <paramref name="site"/>); without a backup password, says so and goes on. A failed backup stops the deploy with
    /// nothing switched: <paramref name="where"/> still runs the outgoing release.</summary>
    private async Task<BackupEntry?> BackUpBeforeSwitchAsync(Func<CancellationToken, Task<BackupSite>> site, string where, ReleaseInfo? outgoing, ReleaseInfo incoming, CancellationToken ct)
    {
        if (outgoing == null)
            return null; // the first release: no earlier release's data
        if (BackupPassword == null)
        {
            Log.Warn($"Deploy: no backup of {outgoing.Id}'s data before switching (no --backup-password / BACKUP_PASSWORD): a rollback could not bring it back.");
            return null;
        }

        await using var opened = await site(ct);
        var origin = new BackupOrigin(StackEnvironmentName.ToString().ToLowerInvariant(), outgoing.GitSha, outgoing.Id, $"before-deploy-of-{incoming.Id}");
        try
        {
            var backup = await StackBackup.RunAsync(opened.Helper, await BackupTargetAsync(ct), origin, Retention, Log, ct);
            Log.Info($"Deploy: backup {backup.ShortId} holds {outgoing.Id}'s data from before the switch");
            return backup;
        }
        catch (BackupException e)
        {
            throw new BackupException($"{e.Message} — nothing was switched: {where} still runs {outgoing.Id}. Fix it, or deploy without --backup-password to skip the backup.");
        }
    }

    /// <summary>The newest backup taken while <paramref name="release"/> ran (Deploy's before it was replaced, or one
    /// by hand); null without a backup password or when there is none.</summary>
    private async Task<BackupEntry?> BackupOfReleaseAsync(SshSession vm, string release, CancellationToken ct)
    {
        if (BackupPassword == null)
            return null;
        await using var site = await VmBackupSiteAsync(vm, "Rollback", ownsVm: false, ct);
        return (await site.Helper.ListAsync(ct)).LastOrDefault(b => b.Tag("release") == release);
    }

    /// <summary>Puts a backup's data back on the VM with Restore's whole procedure (verify in a scratch stack, safety
    /// backup, restore, gates; the safety backup back on failure), <paramref name="app"/> starting the release rolled
    /// back to on it. The safety backup is tagged with the release the data came from, so it never passes for a backup
    /// of the one rolled back to.</summary>
    private async Task RestoreReleaseDataAsync(SshSession vm, BackupEntry backup, ReleaseInfo? dataOf, AppStart app, CancellationToken ct)
    {
        await using var site = await VmBackupSiteAsync(vm, "Rollback", ownsVm: false, ct);
        var environment = StackEnvironmentName.ToString().ToLowerInvariant();
        var origin = dataOf != null ? new BackupOrigin(environment, dataOf.GitSha, dataOf.Id) : await BackupOriginAsync(site, ct);
        await StackRestore.RunAsync(site.Helper, backup, await BackupTargetAsync(ct), await ScratchStackAsync(site, backup, ct), origin, Gate(site, ProjectName), SmokeProject(site), Log, ct, app);
    }
}
