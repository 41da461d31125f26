using Mlstack.Build.Cluster;
using Mlstack.Build.Core;
using Mlstack.Build.Host;

namespace Mlstack.Build;

internal sealed partial class Build
{
    Target Preflight => _ => _
        .Description("Checks every host of a cluster (--cluster) before a deploy changes anything: SSH and host key, the engine's version, the node ready and active in the swarm, free disk, the swarm's TCP ports between the hosts, IPVS (which decides the endpoint mode); changes nothing")
        .Executes(async ct =>
        {
            if (ClusterInventoryFile == null)
                throw new BuildInputException("Missing parameters: Preflight needs --cluster FILE (docs/cluster.md). Pass it on the command line, in the environment or in .nuke/parameters.json.");
            var inventory = ReadClusterInventory();
            var report = await new ClusterPreflight(inventory, (h, c) => ConnectClusterHostAsync(h, "Preflight", c), Log).RunAsync(ct);
            report.Print(inventory, Log);
            if (!report.Passed())
                throw new ClusterPreflightException(report);
        });
}
