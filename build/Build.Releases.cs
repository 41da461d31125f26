using Mlstack.Build.Deploy;
using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;

namespace Mlstack.Build;

internal sealed partial class Build
{
    Target Releases => _ => _
        .Description("Lists the releases on --host (or --cluster's first manager): id, git sha, time, status, which is current and which is the last good one")
        .Requires(() => DeployHost ?? ClusterInventoryFile)
        .Executes(async ct =>
        {
            await using var vm = await ConnectReleaseHostAsync("Releases", ct);
            ReleaseReports.Releases(await new ReleaseStore(vm, DeployPath).ListAsync(ct), vm.Target.Host, VmDeployOptions, Log);
        });

    Target Rollback => _ => _
        .Description("Returns --host (or --cluster) to an earlier release (--to ID; default: the last good release before current), behind the same gates; names the backup of its data, and restores it with --restore-data --yes")
        .Requires(() => DeployHost ?? ClusterInventoryFile)
        .Executes(async ct =>
        {
            if (ClusterInventoryFile != null)
            {
                await RollbackClusterAsync(ct);
                return;
            }

            var request = new RollbackRequest(To, RestoreData);
            request.Check(confirmed: Yes, hasBackupPassword: BackupPassword != null);
            await using var link = new VmLink(ConnectVmAsync, Log, "Rollback");
            // Chosen once: run again after a lost connection, "the one before current" may already mean another one.
            RollbackChoice? choice = null;
            var started = DateTimeOffset.UtcNow;
            await link.RunAsync("the rollback", async vm =>
            {
                var rollback = new ReleaseRollback(vm, VmRuntime(vm), VmDeployOptions, Log);
                choice ??= await rollback.ChooseAsync(request, (release, token) => BackupOfReleaseAsync(vm, release, token), ct);
                await rollback.RunAsync(choice, RestoreData ? (backup, dataOf, app, token) => RestoreReleaseDataAsync(vm, backup, dataOf, app, token) : null, started, ct);
            }, ct);
        });

    Target Audit => _ => _
        .Description("Prints the deploy log of --host (or --cluster's first manager), newest last: who, from where, release, outcome and why")
        .Requires(() => DeployHost ?? ClusterInventoryFile)
        .Executes(async ct =>
        {
            await using var vm = await ConnectReleaseHostAsync("Audit", ct);
            ReleaseReports.Audit(await new ReleaseStore(vm, DeployPath).ReadAuditAsync(ct), vm.Target.Host, Log);
        });
}
