using Mlstack.Build.Deploy;
using Mlstack.Build.Core;
using Mlstack.Build.Host;

namespace Mlstack.Build;

internal sealed partial class Build
{
    Target Bootstrap => _ => _
        .Description("Readies a Debian/Ubuntu VM (--host, as root) for Deploy: Docker Engine and Compose from its packages, the engine running, json-file log rotation defaults, the deploy path (0700); with --cluster, every host of the inventory and a Docker Swarm of them; run again, it changes nothing")
        .Executes(async ct =>
        {
            if (ClusterInventoryFile != null)
            {
                await BootstrapClusterAsync(ct);
                return;
            }

            if (string.IsNullOrWhiteSpace(DeployHost))
                throw new BuildInputException("Missing parameters: Bootstrap needs --host (one VM) or --cluster FILE (docs/cluster.md). Pass them on the command line, in the environment or in .nuke/parameters.json.");
            await using var vm = await ConnectVmAsync(ct);
            BootstrapReport.Print(await new VmBootstrap(vm, DeployPath, Log).RunAsync(ct), vm.Target.Host, Log);
        });
}
