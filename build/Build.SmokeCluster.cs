using Mlstack.Build.Cluster;
using Mlstack.Build.Engine;
using Mlstack.Build.Remote;
using Mlstack.Build.Smoke;
using Mlstack.Build.Stack;

namespace Mlstack.Build;

internal sealed partial class Build
{
    /// <summary>SmokeTest --cluster: the stack's checks on the nodes Swarm sees as ready; a node that is down is named.</summary>
    private Task ClusterSmokeTestAsync(CancellationToken ct) =>
        new ClusterSmokeTest(ReadClusterInventory(), (h, c) => ConnectClusterHostAsync(h, "SmokeTest", c), ProjectName, Log).RunAsync(ClusterStackSmokeAsync, ct);

    /// <summary>The stack's smoke checks on a swarm: each check runs in the container of whichever node has it; HTTP goes
    /// to a node that publishes FRONTEND_PORT (or --stack-url). Only the checks of services the swarm runs (not
    /// edge-net, folded into the edge; nor are services it does not run expected as scrape targets).</summary>
    private async Task ClusterStackSmokeAsync(SshSession manager, IReadOnlyList<SshSession> nodes, IReadOnlyList<string> services, CancellationToken ct)
    {
        Uri url;
        if (StackUrl != null)
            url = StackAddress();
        else
        {
            using var engine = manager.OpenEngine();
            var port = int.Parse(EdgeCertificateOptions.PublicPort(ProductionSecrets.Effective(StackEnvFilePath()), https: false), System.Globalization.CultureInfo.InvariantCulture);
            url = await SwarmSmokeTarget.AddressAsync(engine, ProjectName, port, ct);
        }

        // A service the swarm does not run (one labelled io.mlstack.cluster: none) is no scrape target either.
        var absent = (await StackModelAsync(ct)).Services.Select(s => s.Name).Except(services).ToHashSet(StringComparer.Ordinal);
        var checks = SmokeRunner.RunnableIn(StackSmokeChecks.All().Where(c => !Fast || !c.IsSlow), services)
            .Select(c => c is PrometheusTargetsCheck targets ? targets with { Absent = absent } : c).ToList();
        await SmokeRun.RunAsync(new SwarmServiceContainers(manager.OpenEngine(), [.. nodes.Select(n => n.OpenEngine())], ProjectName), services,
            new SmokeRunOptions(url, ScratchProject: null, checks, ScaleToZeroTiers(), ReportsDirectory, RootDirectory, ApiToken: EnvApiToken(), StackProject: ProjectName), Log, ct);
    }
}
