using Mlstack.Build.Core;
using Mlstack.Build.Deploy;
using Mlstack.Build.Remote;

namespace Mlstack.Build.Cluster;

/// <summary>One host's line of the cluster Bootstrap's report.</summary>
public sealed record ClusterHostResult(ClusterHost Host, string Hostname, string Swarm, IReadOnlyList<BootstrapStep> Steps, IReadOnlyList<string> SwarmDone)
{
    public bool Changed => Steps.Any(s => s.Changed) || SwarmDone.Count > 0;
}

/// <summary>Bootstrap for a cluster: every host readied as Bootstrap readies one VM (<see cref="VmBootstrap"/>, a few
/// hosts at a time), then the swarm formed (<see cref="SwarmFormation"/>). Before anything changes, each host that
/// already has an engine is asked which swarm it is in: one in another swarm stops everything.</summary>
public sealed class ClusterBootstrap(ClusterInventory inventory, Func<ClusterHost, CancellationToken, Task<SshSession>> connect, string deployPath, BuildLog log)
{
    /// <summary>How many hosts are connected to and readied at once (an apt-get install each, on a fresh cluster).</summary>
    public const int ParallelHosts = 4;
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30);

    public async Task<IReadOnlyList<ClusterHostResult>> RunAsync(CancellationToken ct)
    {
        var sessions = new Dictionary<ClusterHost, SshSession>();
        try
        {
            foreach (var (host, session) in await EachAsync(h => connect(h, ct), ct).ConfigureAwait(false))
                sessions[host] = session;
            await RefuseAnotherSwarmAsync(sessions, "Bootstrap changed nothing", ct).ConfigureAwait(false);
            var steps = await EachAsync(h => new VmBootstrap(sessions[h], deployPath, log).RunAsync(ct), ct).ConfigureAwait(false);
            // An engine Bootstrap just started may bring a swarm state it kept on disk: asked again.
            await RefuseAnotherSwarmAsync(sessions, "Bootstrap readied Docker but formed no swarm", ct).ConfigureAwait(false);
            var formed = await new SwarmFormation(inventory, sessions, log).RunAsync(ct).ConfigureAwait(false);
            return [.. inventory.Hosts.Select(h => new ClusterHostResult(h, formed[h].Node.Description?.Hostname ?? "?", SwarmState(formed[h].Node), steps[h], formed[h].Done))];
        }
        finally
        {
            foreach (var session in sessions.Values)
                await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task RefuseAnotherSwarmAsync(Dictionary<ClusterHost, SshSession> sessions, string changed, CancellationToken ct)
    {
        var members = await EachAsync(async h => SwarmMembership.Parse((await sessions[h].RunAsync(SwarmMembership.Command, Quick, ct).ConfigureAwait(false)).Output), ct).ConfigureAwait(false);
        var first = inventory.FirstManager;
        var nodes = new HashSet<string>(StringComparer.Ordinal);
        if (members[first] is { IsActive: true, IsManager: true })
            nodes.UnionWith((await sessions[first].RunAsync("docker node ls -q", Quick, ct).ConfigureAwait(false)).EnsureSuccess().Output
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (SwarmMembershipCheck.Refusal(inventory, members, nodes, changed) is { } refusal)
            throw new BuildInputException(refusal);
    }

    private static string SwarmState(Docker.DotNet.Models.NodeListResponse node) =>
        $"{(node.ManagerStatus?.Leader == true ? "leader" : node.Spec?.Role)}, {node.Status?.State}";

    /// <summary>Runs <paramref name="work"/> for every host, <see cref="ParallelHosts"/> at a time; the first failure
    /// is the one reported (it names its host).</summary>
    private async Task<Dictionary<ClusterHost, T>> EachAsync<T>(Func<ClusterHost, Task<T>> work, CancellationToken ct)
    {
        using var slots = new SemaphoreSlim(ParallelHosts);
        var tasks = inventory.Hosts.Select(async host =>
        {
            await slots.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                return (host, await work(host).ConfigureAwait(false));
            }
            finally
            {
                slots.Release();
            }
        }).ToList();
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch
        {
            // Connections that did open are still ours to close.
            foreach (var done in tasks.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result.Item2).OfType<IAsyncDisposable>())
                await done.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return tasks.ToDictionary(t => t.Result.host, t => t.Result.Item2);
    }
}
