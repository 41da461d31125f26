using Mlstack.Build.Cluster;
using Mlstack.Build.Deploy;
using Mlstack.Build.Doctor;
using Mlstack.Build.Host;
using Mlstack.Build.Images;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;

namespace Mlstack.Build;

internal sealed partial class Build
{
    [Parameter("Deploy --cluster: deploy even when nodes are drained, paused or down (they are left out and named)")]
    private readonly bool AllowDegraded;

    /// <summary>Deploy on a swarm (docs/cluster.md#deploy---cluster): Preflight, the images to every node, then the
    /// release state machine on the first manager with the Swarm runtime.</summary>
    private async Task DeployClusterAsync(CancellationToken ct)
    {
        var inventory = ReadClusterInventory();
        var (images, revision, project) = (await StackImagesAsync(ct), await RevisionAsync(ct), await StackProjectAsync(ct));
        var release = ReleaseDeployment.Pending(revision.Sha, revision.ShortSha, images.ToDictionary(i => i.Reference, i => i.ImageId), DateTimeOffset.UtcNow);
        var settings = WithPrivateApi(ProductionSecrets.Effective(project.EnvFile));
        foreach (var (variable, value) in EdgeCertificateOptions.ComposeVariables(EdgeTls, settings, folder: null, group: 0))
            settings[variable] = value; // plain HTTP at the edge: dev, or TLS ended at a load balancer (HTTPS is refused above)
        var contents = new ClusterRelease(project, settings, ComposeImages.Variables(images), [.. images.Select(i => i.Reference)]);
        var runtime = new SwarmRuntimeOptions(ProjectName, inventory.Hosts.SelectMany(h => h.Roles).ToHashSet(), HasIpvs: false, ProjectName,
            $"compose.{StackEnvironmentName.ToString().ToLowerInvariant()}.yaml", ServiceTimeout ?? TimeSpan.FromMinutes(5));
        var options = new ClusterDeployOptions(VmDeployOptions with { Host = inventory.FirstManager.Name }, runtime, AllowDegraded, RegistryCache.Folder());
        using var local = EngineProbe.Client((await DockerAsync(ct)).Engine);
        // The stack's own SmokeTest reaches inside containers through one engine; on a swarm its services run on several
        // (not carried over yet): the published ports on every node are the smoke test here.
        await new ClusterDeployment(inventory, (h, c) => ConnectClusterHostAsync(h, "Deploy", c), options, Log)
            .RunAsync(release, contents, local, (_, _) => Task.CompletedTask, ct);
    }
}
