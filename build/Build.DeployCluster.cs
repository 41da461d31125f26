using Mlstack.Build.Cluster;
using Mlstack.Build.Core;
using Mlstack.Build.Deploy;
using Mlstack.Build.Doctor;
using Mlstack.Build.Host;
using Mlstack.Build.Images;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;

namespace Mlstack.Build;

internal sealed partial class Build
{
    [Parameter("Deploy, Rollback --cluster: go on when nodes are drained, paused or down (they are left out and named)")]
    private readonly bool AllowDegraded;

    /// <summary>Deploy on a swarm (docs/cluster.md#deploy---cluster): Preflight, the images to every node, then the
    /// release state machine on the first manager with the Swarm runtime.</summary>
    private async Task DeployClusterAsync(CancellationToken ct)
    {
        var (images, revision, project) = (await StackImagesAsync(ct), await RevisionAsync(ct), await StackProjectAsync(ct));
        var release = ReleaseDeployment.Pending(revision.Sha, revision.ShortSha, images.ToDictionary(i => i.Reference, i => i.ImageId), DateTimeOffset.UtcNow);
        var settings = WithPrivateApi(ProductionSecrets.Effective(project.EnvFile));
        foreach (var (variable, value) in EdgeCertificateOptions.ComposeVariables(EdgeTls, settings, folder: null, group: 0))
            settings[variable] = value; // plain HTTP at the edge: dev, or TLS ended at a load balancer (HTTPS is refused earlier)
        var contents = new ClusterRelease(project, settings, ComposeImages.Variables(images), [.. images.Select(i => i.Reference)]);
        using var local = EngineProbe.Client((await DockerAsync(ct)).Engine);
        // The outgoing release's data, backed up on the data node before the switch (as on one VM), with a password.
        await ClusterDeploymentOf("Deploy").DeployAsync(release, contents, local, ClusterStackSmokeAsync,
            (outgoing, incoming, token) => BackUpBeforeSwitchAsync(t => ClusterBackupSiteAsync("Deploy", t), $"the swarm of {ClusterInventoryFile}", outgoing, incoming, token), ct);
    }

    /// <summary>Rollback on a swarm: the chosen release's kept stack files, every phase gated (no data restore yet).</summary>
    private async Task RollbackClusterAsync(CancellationToken ct)
    {
        if (RestoreData)
            throw new BuildInputException("Rollback --cluster --restore-data: restoring data on a cluster is not done yet (docs/cluster.md#what-is-not-done-yet); roll back without it.");
        await ClusterDeploymentOf("Rollback").RollbackAsync(new RollbackRequest(To, RestoreData: false), ClusterStackSmokeAsync, ct);
    }

    private ClusterDeployment ClusterDeploymentOf(string who)
    {
        var inventory = ReadClusterInventory();
        var runtime = new SwarmRuntimeOptions(ProjectName, inventory.Hosts.SelectMany(h => h.Roles).ToHashSet(), HasIpvs: false, ProjectName,
            $"compose.{StackEnvironmentName.ToString().ToLowerInvariant()}.yaml", ServiceTimeout ?? TimeSpan.FromMinutes(5));
        var options = new ClusterDeployOptions(VmDeployOptions with { Host = inventory.FirstManager.Name }, runtime, AllowDegraded, RegistryCache.Folder());
        return new ClusterDeployment(inventory, (h, c) => ConnectClusterHostAsync(h, who, c), options, Log);
    }

    /// <summary>Status on a swarm: its nodes and the stack's services, through the first manager's engine.</summary>
    private async Task ClusterStatusAsync(CancellationToken ct)
    {
        await using var manager = await ConnectClusterHostAsync(ReadClusterInventory().FirstManager, "Status", ct);
        using var engine = manager.OpenEngine();
        await SwarmStatus.PrintAsync(engine, ProjectName, Log, ct);
    }

    /// <summary>Where the release records are: --host, or the first manager of --cluster (they live there, and the lock).</summary>
    private Task<SshSession> ConnectReleaseHostAsync(string who, CancellationToken ct) =>
        ClusterInventoryFile != null ? ConnectClusterHostAsync(ReadClusterInventory().FirstManager, who, ct) : ConnectVmAsync(ct);
}
