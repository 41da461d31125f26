using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Core;
using Mlstack.Build.Remote;

namespace Mlstack.Build.Cluster;

/// <summary>The swarm, from hosts whose engines run: init on the first manager with explicit advertise and data-path
/// addresses (a VM with two interfaces must not advertise the wrong one), the others joined with the manager or
/// worker token, missing managers promoted, the role labels set. Each step looks first, so a second run does nothing.
/// Through each host's Engine API over SSH; only the port probe is a shell command.</summary>
public sealed class SwarmFormation(ClusterInventory inventory, IReadOnlyDictionary<ClusterHost, SshSession> sessions, BuildLog log)
{
    public const int ManagerPort = 2377;
    private const string AnyListen = "0.0.0.0:2377";
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ReadyWithin = TimeSpan.FromSeconds(90);
    private readonly Dictionary<ClusterHost, List<string>> _done = inventory.Hosts.ToDictionary(h => h, _ => new List<string>());

    /// <returns>Per host, what was done (empty: nothing), and its node as the swarm sees it at the end.</returns>
    public async Task<IReadOnlyDictionary<ClusterHost, (IReadOnlyList<string> Done, NodeListResponse Node)>> RunAsync(CancellationToken ct)
    {
        var first = inventory.FirstManager;
        using var manager = sessions[first].OpenEngine(TimeSpan.FromMinutes(2));
        if (!(await MembershipAsync(first, ct).ConfigureAwait(false)).IsActive)
        {
            log.Info($"Bootstrap: swarm init on {first.Name} (advertise and data path {first.Address})");
            await manager.Swarm.InitSwarmAsync(new SwarmInitParameters { ListenAddr = AnyListen, AdvertiseAddr = first.Address, DataPathAddr = first.Address }, ct).ConfigureAwait(false);
            _done[first].Add("swarm init");
        }

        var tokens = (await manager.Swarm.InspectSwarmAsync(ct).ConfigureAwait(false)).JoinTokens;
        // One at a time: a manager joining changes the Raft membership, which should settle before the next.
        foreach (var host in inventory.Hosts.Where(h => h != first))
            await JoinAsync(host, first, inventory.IsManager(host) ? tokens.Manager : tokens.Worker, ct).ConfigureAwait(false);

        var nodeIds = new Dictionary<ClusterHost, string>();
        foreach (var host in inventory.Hosts)
            nodeIds[host] = (await MembershipAsync(host, ct).ConfigureAwait(false)).NodeId;
        var nodes = await manager.Swarm.ListNodesAsync(ct).ConfigureAwait(false);
        foreach (var host in inventory.Hosts)
            await ConvergeNodeAsync(manager, host, nodes.Single(n => n.ID == nodeIds[host]), ct).ConfigureAwait(false);
        var ready = await ReadyNodesAsync(manager, nodeIds, ct).ConfigureAwait(false);
        return inventory.Hosts.ToDictionary(h => h, h => ((IReadOnlyList<string>)_done[h], ready.Single(n => n.ID == nodeIds[h])));
    }

    private async Task JoinAsync(ClusterHost host, ClusterHost first, string token, CancellationToken ct)
    {
        if ((await MembershipAsync(host, ct).ConfigureAwait(false)).IsActive)
            return; // SwarmMembershipCheck made sure it is in ours
        // A closed port makes the join wait for its own timeout and then say little: probe it from the joining host.
        var probe = new TcpProbe(first.Address, ManagerPort);
        if (!TcpProbe.Open((await sessions[host].RunAsync(TcpProbe.Command([probe]), Quick, ct).ConfigureAwait(false)).Output).Contains(probe))
            throw new BuildInputException($"{host.Name} cannot reach {first.Name} at {first.Address}:{ManagerPort}/tcp (Swarm's manager port); open it between the hosts (and 7946/tcp+udp, 4789/udp), then run Bootstrap again.");
        var role = inventory.IsManager(host) ? "manager" : "worker";
        log.Info($"Bootstrap: {host.Name} joins the swarm as a {role} (advertise and data path {host.Address})");
        using var engine = sessions[host].OpenEngine(TimeSpan.FromMinutes(2));
        await engine.Swarm.JoinSwarmAsync(new SwarmJoinParameters
        {
            ListenAddr = AnyListen,
            AdvertiseAddr = host.Address,
            DataPathAddr = host.Address,
            RemoteAddrs = [$"{first.Address}:{ManagerPort}"],
            JoinToken = token,
        }, ct).ConfigureAwait(false);
        _done[host].Add($"joined as {role}");
    }

    /// <summary>Promotes a host that should manage (never demotes: taking a manager away can cost quorum, an
    /// operator's decision), and makes its mlstack.role.* labels the inventory's, leaving other labels alone.</summary>
    private async Task ConvergeNodeAsync(DockerClient manager, ClusterHost host, NodeListResponse node, CancellationToken ct)
    {
        var spec = node.Spec ?? throw new SwarmNotReadyException($"The swarm shows {host.Name}'s node {node.ID} without a spec; docker node inspect there says why.");
        var promote = inventory.IsManager(host) && spec.Role != "manager";
        var labels = new Dictionary<string, string>(spec.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var stale = labels.Keys.Where(k => k.StartsWith(ClusterRoles.LabelPrefix, StringComparison.Ordinal) && !host.Labels.ContainsKey(k)).ToList();
        var missing = host.Labels.Where(l => !labels.TryGetValue(l.Key, out var value) || value != l.Value).ToList();
        if (!promote && stale.Count == 0 && missing.Count == 0)
            return;
        foreach (var key in stale)
            labels.Remove(key);
        foreach (var (key, value) in missing)
            labels[key] = value;
        await manager.Swarm.UpdateNodeAsync(node.ID, node.Version?.Index ?? 0, new NodeUpdateParameters
        {
            Name = spec.Name,
            Role = promote ? "manager" : spec.Role,
            Availability = spec.Availability,
            Labels = labels,
        }, ct).ConfigureAwait(false);
        if (promote)
            _done[host].Add("promoted to manager");
        if (missing.Count > 0 || stale.Count > 0)
            _done[host].Add("labels " + string.Join(",", host.Roles.Select(r => r.Name())) + (stale.Count > 0 ? $" (removed {string.Join(",", stale.Select(s => s[ClusterRoles.LabelPrefix.Length..]))})" : ""));
    }

    /// <summary>Every host's node ready, and every manager reachable (a promotion takes a moment to settle).</summary>
    private static async Task<IList<NodeListResponse>> ReadyNodesAsync(DockerClient manager, Dictionary<ClusterHost, string> nodeIds, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + ReadyWithin;
        while (true)
        {
            var nodes = await manager.Swarm.ListNodesAsync(ct).ConfigureAwait(false);
            var waiting = nodeIds.Where(h => nodes.SingleOrDefault(n => n.ID == h.Value) is not { Status.State: "ready" } node
                || (node.Spec?.Role == "manager" && node.ManagerStatus?.Reachability != "reachable")).Select(h => h.Key.Name).ToList();
            if (waiting.Count == 0)
                return nodes;
            if (DateTimeOffset.UtcNow > deadline)
                throw new SwarmNotReadyException($"The swarm's nodes on {string.Join(", ", waiting)} were not ready within {ReadyWithin.TotalSeconds:0} s; docker node ls on {nodeIds.Keys.First().Name} says why.");
            await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        }
    }

    private async Task<SwarmMembership> MembershipAsync(ClusterHost host, CancellationToken ct) =>
        SwarmMembership.Parse((await sessions[host].RunAsync(SwarmMembership.Command, Quick, ct).ConfigureAwait(false)).EnsureSuccess().Output);
}
