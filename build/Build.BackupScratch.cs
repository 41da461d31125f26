using Mlstack.Build.Backup;
using Mlstack.Build.Core;
using Mlstack.Build.Deploy;
using Mlstack.Build.Engine;
using Mlstack.Build.Remote;
using Mlstack.Build.Site;

namespace Mlstack.Build;

/// <summary>Where the backup targets work. The site (this machine, with --host a VM over SSH, with --cluster the
/// swarm's data node) is picked once,
/// in <see cref="BackupSiteAsync"/>; everything after it runs unchanged against <see cref="IStackSite"/>, and the
/// few answers that do depend on the site (where backups live by default, what the stack runs, what a scratch
/// stack is made from) are given here, side by side.</summary>
internal sealed partial class Build
{
    private async Task<BackupSite> BackupSiteAsync(string prefix, CancellationToken ct)
    {
        if (ClusterInventoryFile != null)
            return await ClusterBackupSiteAsync(prefix, ct);
        if (!StackOnVm)
            return await BackupSiteOnAsync(new LocalSite((await DockerAsync(ct)).Engine, Log), LocalBackupPlan(), LocalBackupHome, prefix, ct);
        var vm = await ConnectVmAsync(ct);
        return await BackupSiteOnAsync(VmSiteOf(vm, ownsSession: true), VmBackupPlan(vm), VmBackupHome, prefix, ct);
    }

    /// <summary>The backup site on a VM session Deploy or Rollback already holds: the site leaves it open.</summary>
    private Task<BackupSite> VmBackupSiteAsync(SshSession vm, string prefix, bool ownsVm, CancellationToken ct) =>
        BackupSiteOnAsync(VmSiteOf(vm, ownsVm), VmBackupPlan(vm), VmBackupHome, prefix, ct);

    private VmSite VmSiteOf(SshSession vm, bool ownsSession) =>
        new(vm, ownsSession, LocalEngineAsync, RegistryCache.Folder(), Log);

    /// <summary>Here: this checkout's images and compose files, the stack at --stack-url or FRONTEND_PORT.</summary>
    private BackupSitePlan LocalBackupPlan() => new(
        ProjectName, ServiceTimeout, StackModelAsync,
        _ => Task.FromResult(LocalSmokeTarget().Url),
        async (_, _, ct) => new ScratchSource(await StackProjectAsync(ct), await UpEnvironmentAsync(ct), TemporaryDirectory),
        async ct =>
        {
            var revision = await RevisionAsync(ct);
            return new BackupOrigin(StackEnvironmentName.ToString().ToLowerInvariant(), revision.Sha, revision.Tag);
        },
        (engine, url, services, project, checks, handler, ct) => SmokeRunAsync(engine, url, services, project, checks, handler, ct, LocalSmokeTarget().Tls));

    /// <summary>On a VM: the files and images of the release the backup was taken from when the VM still keeps it,
    /// else the current release's; the stack at the VM's address.</summary>
    private BackupSitePlan VmBackupPlan(SshSession vm) => new(
        ProjectName, ServiceTimeout, StackModelAsync,
        async ct => (await VmSmokeTargetAsync(vm, ct)).Url,
        async (backup, prefix, ct) =>
        {
            var store = new ReleaseStore(vm, DeployPath);
            var (activation, _) = await ActivationAsync(vm, store, ct);
            var releases = await store.ListAsync(ct);
            var kept = releases.FirstOrDefault(r => r.Release.Id == backup.Tag("release"))?.Release;
            var from = kept ?? CurrentRelease(vm, releases);
            Log.Info($"{prefix}: the scratch stack runs release {from.Id}'s images{(kept == null ? $" (the backup's release {backup.Tag("release") ?? "?"} is no longer on {vm.Target.Host})" : string.Empty)}");
            return new ScratchSource(activation.Project(from.Id), new Dictionary<string, string>(), DeployPath);
        },
        async ct =>
        {
            var current = await CurrentReleaseAsync(vm, ct);
            return new BackupOrigin(StackEnvironmentName.ToString().ToLowerInvariant(), current.GitSha, current.Id);
        },
        async (engine, url, services, project, checks, handler, ct) =>
            await SmokeRunAsync(engine, url, services, project, checks, handler, ct, project == null ? (await VmSmokeTargetAsync(vm, ct)).Tls : null));

    /// <summary>On a swarm, the data node: the data services and their volumes are pinned to it, so the helper runs
    /// beside them and the repository (by default) is on its disk, as on one VM; the stack is found by the names
    /// docker stack deploy gives it. What the stack runs is the first manager's current release.</summary>
    private async Task<BackupSite> ClusterBackupSiteAsync(string prefix, CancellationToken ct)
    {
        var inventory = ReadClusterInventory();
        var data = inventory.DataHost ?? throw new BuildInputException($"{inventory.File}: no host has the data role, so the stack keeps no data on the swarm to back up.");
        var node = await ConnectClusterHostAsync(data, prefix, ct);
        var plan = new BackupSitePlan(
            ProjectName, ServiceTimeout, StackModelAsync, _ => throw NotDoneOnCluster("Restore"), (_, _, _) => throw NotDoneOnCluster("VerifyBackup"),
            async ct =>
            {
                // The data host is often the first manager too: its session is asked then, not a second one opened.
                await using var other = data == inventory.FirstManager ? null : await ConnectClusterHostAsync(inventory.FirstManager, prefix, ct);
                var current = (await new ReleaseStore(other ?? node, DeployPath).ListAsync(ct)).FirstOrDefault(r => r.IsCurrent)?.Release
                    ?? throw new BuildInputException($"{inventory.FirstManager.Name} records no release under {DeployPath}: deploy one first (./build.sh Deploy --cluster {ClusterInventoryFile}).");
                return new BackupOrigin(StackEnvironmentName.ToString().ToLowerInvariant(), current.GitSha, current.Id);
            },
            (_, _, _, _, _, _, _) => throw NotDoneOnCluster("VerifyBackup"));
        return await BackupSiteOnAsync(VmSiteOf(node, ownsSession: true), plan, VmBackupHome, prefix, ct, StackNaming.Swarm);
    }

    /// <summary>VerifyBackup and Restore need a scratch stack and a restore the swarm's orchestrator does not undo:
    /// not done yet on a cluster, and said so before anything starts.</summary>
    private void RefuseOnCluster(string target)
    {
        if (ClusterInventoryFile != null)
            throw NotDoneOnCluster(target);
    }

    private static BuildInputException NotDoneOnCluster(string target) =>
        new($"{target} --cluster is not done yet: Backup and Backups work on a swarm, VerifyBackup and Restore on this machine or one VM (docs/cluster.md#backups).");

    /// <summary>Here, backups live outside the checkout; a relative --backup-repository is the checkout's.</summary>
    private BackupHome LocalBackupHome => new(DefaultBackupsFolder, path => Path.GetFullPath(path, RootDirectory));

    /// <summary>On a VM, beside the releases, and only under the deploy path.</summary>
    private BackupHome VmBackupHome => new($"{DeployPath}/backups", ReleaseStore.CheckDeployPath);

    /// <param name="tls">The live stack's edge serves HTTPS with this certificate (a scratch stack's never does).</param>
    private Task SmokeRunAsync(Docker.DotNet.DockerClient engine, Uri url, IReadOnlyList<string> services, string? project, IReadOnlyList<Smoke.SmokeCheck> checks, HttpMessageHandler? handler, CancellationToken ct, Smoke.EdgeTlsExpectation? tls = null) =>
        SmokeAsync(engine, url, services, ct, project, checks, handler, project == null && url.Scheme == Uri.UriSchemeHttps ? tls : null);

    // For Build.DeployData.cs, which calls these by their old names (it moves with the release state machine).
    private static Task<BackupOrigin> BackupOriginAsync(BackupSite site, CancellationToken ct) => site.OriginAsync(ct);

    private static Task<ScratchProject> ScratchStackAsync(BackupSite site, BackupEntry backup, CancellationToken ct) => site.ScratchStackAsync(backup, ct);

    private static GateServices Gate(BackupSite site, string project) => site.Gate(project);

    private static SmokeServices SmokeProject(BackupSite site) => site.Smoke();
}
