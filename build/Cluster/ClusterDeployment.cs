using Docker.DotNet;
using Mlstack.Build.Backup;
using Mlstack.Build.Core;
using Mlstack.Build.Deploy;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Cluster;

/// <summary>What a cluster release is made of: the compose project here, the stack's settings (env file overridden by
/// the environment), each image's compose variable → its content-tagged reference, and those images' references.</summary>
public sealed record ClusterRelease(ComposeProject Project, IReadOnlyDictionary<string, string> Settings, IReadOnlyDictionary<string, string> ImageVariables, IReadOnlyList<string> Images);

/// <summary>How a cluster deploy runs: the release store on the first manager (as Deploy's options on one VM), the
/// runtime's settings, whether drained or lost nodes may be left out, and the registry cache for the shipment.</summary>
public sealed record ClusterDeployOptions(DeployOptions Deploy, SwarmRuntimeOptions Runtime, bool AllowDegraded, string? RegistryCache);

/// <summary>Deploy on a swarm: Preflight on every node (nothing changes when it fails); the images to every node that
/// is not left out (one push, parallel pulls); the stack's config to every node (a bind mount reads the node's own
/// files); then the same release state machine as one VM (<see cref="ReleaseDeployment"/>: lock, release records,
/// audit, the return to the last good release) on the first manager, with the Swarm runtime.</summary>
public sealed class ClusterDeployment(ClusterInventory inventory, Func<ClusterHost, CancellationToken, Task<SshSession>> connect, ClusterDeployOptions options, BuildLog log)
{
    /// <summary>Deploy: Preflight, the images to every node that is not left out, then the release state machine, which
    /// calls <paramref name="backUp"/> before it switches anything.</summary>
    public Task DeployAsync(ReleaseInfo release, ClusterRelease contents, DockerClient local, ClusterSmoke smoke, OutgoingBackup backUp, CancellationToken ct) =>
        OnClusterAsync(smoke, async (manager, nodes, runtime) =>
        {
            await ImageShipper.ShipToNodesAsync(local, nodes, contents.Images, log, options.RegistryCache, ct: ct).ConfigureAwait(false);
            await new ReleaseDeployment(manager, runtime, options.Deploy, log).RunAsync(
                release,
                files: token => FilesAsync(manager, nodes, contents, token),
                backUp,
                ct).ConfigureAwait(false);
        }, ct);

    /// <summary>Rollback: Preflight, then the one-VM rollback (the chosen release's kept stack files, every phase gated).
    /// Its images are on the nodes while the release is kept (pruning keeps them).</summary>
    public Task RollbackAsync(RollbackRequest request, ClusterSmoke smoke, CancellationToken ct) =>
        OnClusterAsync(smoke, async (manager, _, runtime) =>
        {
            var started = DateTimeOffset.UtcNow;
            var rollback = new ReleaseRollback(manager, runtime, options.Deploy, log);
            var choice = await rollback.ChooseAsync(request, (_, _) => Task.FromResult<BackupEntry?>(null), ct).ConfigureAwait(false);
            await rollback.RunAsync(choice, restore: null, started, ct).ConfigureAwait(false);
        }, ct);

    /// <summary>Preflight on every node (nothing changes when it fails), a session to every node that is not left
    /// out, and the Swarm runtime on the first manager.</summary>
    private async Task OnClusterAsync(ClusterSmoke smoke, Func<SshSession, IReadOnlyList<SshSession>, SwarmReleaseRuntime, Task> work, CancellationToken ct)
    {
        var report = await new ClusterPreflight(inventory, connect, log).RunAsync(ct).ConfigureAwait(false);
        report.Print(inventory, log);
        if (!report.Passed(options.AllowDegraded))
            throw new ClusterPreflightException(report);
        var hosts = inventory.Hosts.Except(report.Degraded).ToList();
        if (!hosts.Contains(inventory.FirstManager))
            throw new BuildInputException($"{inventory.FirstManager.Name}, the first manager of {inventory.File}, is not available; the release records and the lock live there. Make it active, or list another manager first.");
        foreach (var left in report.Degraded)
            log.Warn($"Deploy: {left.Name} is left out of this release (--allow-degraded): it gets no images, and Swarm runs nothing new on it until it is active again.");

        var sessions = new List<SshSession>();
        try
        {
            foreach (var host in hosts)
                sessions.Add(await connect(host, ct).ConfigureAwait(false));
            var manager = sessions[hosts.IndexOf(inventory.FirstManager)];
            await work(manager, sessions, new SwarmReleaseRuntime(manager, sessions, options.Deploy.DeployPath, options.Runtime with { HasIpvs = report.HasIpvs, Available = report.Degraded.Count == 0 ? null : [.. hosts.Select(h => h.Roles)] }, smoke, log)).ConfigureAwait(false);
        }
        finally
        {
            foreach (var session in sessions)
                await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The release's files on the first manager (its secret files there too: the stack deploy that runs there
    /// makes them Swarm secrets); stack/config to every other node, at the same content-addressed paths.</summary>
    private async Task<IReadOnlyList<ReleaseFile>> FilesAsync(SshSession manager, IReadOnlyList<SshSession> nodes, ClusterRelease contents, CancellationToken ct)
    {
        var files = await ReleasePreparation.FilesAsync(manager, options.Deploy.DeployPath, contents.Project, contents.Settings, contents.ImageVariables, liveEdgeFolder: false, ct).ConfigureAwait(false);
        foreach (var node in nodes.Where(n => n != manager))
            await ReleaseConfig.UploadAsync(node, options.Deploy.DeployPath, contents.Project, ct).ConfigureAwait(false);
        return files;
    }
}
