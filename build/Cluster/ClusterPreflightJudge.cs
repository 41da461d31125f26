using Mlstack.Build.Remote;

namespace Mlstack.Build.Cluster;

/// <summary>The preflight's decisions, from the facts read on every node (a pure function, unit-tested): each failed
/// check as one line naming the host and what to do, the table, and whether the stack gets Swarm's virtual IPs
/// (IPVS on every node) or DNS round robin and host-mode ports.</summary>
public static class ClusterPreflightJudge
{
    /// <summary>Free space wanted in each engine's data root, where the images land: room for a release's new layers
    /// and the headroom the shipment keeps (<see cref="RemoteDisk.Headroom"/>). The shipment checks the exact size
    /// again before anything moves.</summary>
    public const long MinimumFreeDisk = 2L << 30;

    public const int GossipPort = 7946;

    /// <param name="facts">Each host's facts, in the inventory's order.</param>
    /// <param name="nodes">The swarm's nodes as a manager lists them; null when no manager could be asked.</param>
    public static ClusterPreflightReport Judge(ClusterInventory inventory, IReadOnlyList<NodeFacts> facts, IReadOnlyList<SwarmNodeState>? nodes, long minimumFree = MinimumFreeDisk)
    {
        var failures = new List<PreflightFailure>();
        var byHost = facts.ToDictionary(f => f.Host);
        SwarmNodeState? NodeOf(NodeFacts f) => f.Membership.IsActive ? nodes?.FirstOrDefault(n => n.Id == f.Membership.NodeId) : null;

        foreach (var f in facts)
        {
            var node = NodeOf(f);
            if (!f.Connected)
            {
                // A stopped VM: the swarm says its node is down too. One line, and a degraded one: the swarm has a node less.
                var down = nodes?.FirstOrDefault(n => n.Hostname.Length > 0 && !n.IsReady && IsDownFor(n, f.Host, facts, nodes));
                failures.Add(down != null
                    ? new(f.Host, $"{f.Host.Name} (node {down.Hostname}) is down in the swarm and does not answer over SSH ({f.Unreachable!.TrimEnd('.')}); start it, or take the node out (docker node rm {down.Hostname}, on a manager) and {f.Host.Name} out of {inventory.File}.", Degraded: true)
                    : new(f.Host, f.Unreachable!.Contains(f.Host.Name, StringComparison.Ordinal) ? f.Unreachable : $"{f.Host.Name}: {f.Unreachable}"));
                continue;
            }

            if (f.CheckFailed != null)
                failures.Add(new(f.Host, $"{f.Host.Name}: the preflight's checks could not finish there ({f.CheckFailed.TrimEnd('.')}); run Preflight again, and if it fails again look on the host."));
            if (f.Engine == null)
            {
                failures.Add(new(f.Host, $"{f.Host.Name}: the Docker Engine does not answer{(string.IsNullOrWhiteSpace(f.EngineError) ? "" : $" ({f.EngineError.Trim().TrimEnd('.')})")}; run ./build.sh Bootstrap --cluster {inventory.File} (it installs and starts it), then Preflight again."));
                continue;
            }

            if (f.Membership.IsFree)
                failures.Add(new(f.Host, $"{f.Host.Name} is in no swarm; run ./build.sh Bootstrap --cluster {inventory.File} (it forms the swarm and joins the hosts), then Preflight again."));
            else if (node != null)
                failures.AddRange(NodeState(inventory, f.Host, node));
            if (f.DiskFree is { } free && free < minimumFree)
                failures.Add(new(f.Host, $"{f.Host.Name} has {Bytes.Format(free)} free in {f.DataRoot} (the engine's data root, where images land); Preflight wants {Bytes.Format(minimumFree)}. Free space there (docker image prune, on it), then run Preflight again."));
        }

        var members = facts.Where(f => f.Membership.IsActive).ToList();
        if (nodes == null && members.Count > 0)
        {
            var managers = members.Where(f => f.Membership.IsManager).Select(f => f.Host.Name).ToList();
            failures.Add(new(null, managers.Count == 0
                ? $"No manager of the swarm answered (the hosts in it, {string.Join(", ", members.Select(f => f.Host.Name))}, are workers or were not asked); bring a manager back, then run Preflight again."
                : $"No manager listed the swarm's nodes (docker node ls on {string.Join(", ", managers)} failed: with too few managers up the swarm has no leader); bring the managers back (docker node ls on one says why), then run Preflight again."));
        }

        failures.AddRange(OtherSwarm(inventory, byHost, nodes));
        failures.AddRange(ClosedPorts(inventory, facts));
        var notes = new List<string>();
        var versions = Versions(facts, failures, notes);
        notes.Add($"Preflight: not checked: {GossipPort}/udp (gossip) and 4789/udp (the overlay's data path) between the hosts; a connect cannot tell an open UDP port from a dropped one: make sure every host's firewall lets them through.");
        var (hasIpvs, mode) = Mode(facts);
        notes.Add(mode);
        var rows = facts.Select(f => Row(inventory, f, NodeOf(f), byHost, versions)).ToList();
        return new ClusterPreflightReport(rows, failures, notes, hasIpvs, mode);
    }

    /// <summary>Whether <paramref name="node"/> is the unreachable host's: the one node no connected host is.</summary>
    private static bool IsDownFor(SwarmNodeState node, ClusterHost host, IReadOnlyList<NodeFacts> facts, IReadOnlyList<SwarmNodeState> nodes)
    {
        var known = facts.Where(f => f.Membership.IsActive).Select(f => f.Membership.NodeId).ToHashSet();
        var unknownDown = nodes.Where(n => !known.Contains(n.Id) && !n.IsReady).ToList();
        var unreachable = facts.Where(f => !f.Connected).ToList();
        // Only when it is unambiguous: one host not answering and one node down that no connected host is.
        return unknownDown.Count == 1 && unreachable.Count == 1 && unknownDown[0] == node && unreachable[0].Host == host;
    }

    private static IEnumerable<PreflightFailure> NodeState(ClusterInventory inventory, ClusterHost host, SwarmNodeState node)
    {
        var name = $"{host.Name} (node {node.Hostname})";
        if (!node.IsReady)
            yield return new(host, $"{name} is {node.Status.ToLowerInvariant()} in the swarm: the managers do not hear from its engine; restart it (systemctl restart docker, on it), or take the node out (docker node rm {node.Hostname}, on a manager) and {host.Name} out of {inventory.File}.", Degraded: true);
        else if (!node.IsActive)
            yield return new(host, $"{name} is {(node.Availability.Equals("drain", StringComparison.OrdinalIgnoreCase) ? "drained" : node.Availability.ToLowerInvariant())}: Swarm runs no new tasks on it; make it active (docker node update --availability active {node.Hostname}, on a manager) or take {host.Name} out of {inventory.File}.", Degraded: true);
        if (node.IsUnreachableManager)
            yield return new(host, $"{name} is a manager the other managers cannot reach (Raft); check {SwarmFormation.ManagerPort}/tcp between the managers and its engine, then run Preflight again.", Degraded: true);
    }

    /// <summary>A host in another swarm than the first manager's, as Bootstrap refuses it.</summary>
    private static IEnumerable<PreflightFailure> OtherSwarm(ClusterInventory inventory, Dictionary<ClusterHost, NodeFacts> byHost, IReadOnlyList<SwarmNodeState>? nodes)
    {
        var first = inventory.FirstManager;
        if (!byHost[first].Connected || byHost[first].Engine == null || !byHost[first].Membership.IsActive)
            return [];
        var asked = inventory.Hosts.Where(h => byHost[h].Connected && byHost[h].Engine != null).ToList();
        var scoped = new ClusterInventory(inventory.File, asked);
        var refusal = SwarmMembershipCheck.Refusal(scoped, asked.ToDictionary(h => h, h => byHost[h].Membership),
            (nodes ?? []).Select(n => n.Id).ToHashSet(StringComparer.Ordinal), "Preflight changed nothing");
        return refusal == null ? [] : [new PreflightFailure(asked.FirstOrDefault(h => refusal.StartsWith(h.Name + " ", StringComparison.Ordinal) || refusal.StartsWith(h.Name + ",", StringComparison.Ordinal)), refusal)];
    }

    /// <summary>What each host must reach: 2377/tcp on every manager (joins, Raft, the managers' API) and
    /// 7946/tcp on every other host (gossip).</summary>
    public static IReadOnlyList<TcpProbe> ProbesFrom(ClusterInventory inventory, ClusterHost from) =>
        [.. inventory.Hosts.Where(h => h != from).SelectMany(h => inventory.IsManager(h)
            ? new[] { new TcpProbe(h.Address, SwarmFormation.ManagerPort), new TcpProbe(h.Address, GossipPort) }
            : [new TcpProbe(h.Address, GossipPort)])];

    /// <summary>One line per port that did not answer, naming the host it belongs to and every host it did not answer.</summary>
    private static IEnumerable<PreflightFailure> ClosedPorts(ClusterInventory inventory, IReadOnlyList<NodeFacts> facts)
    {
        // A host that does not answer over SSH answers no port either: it is named once, as unreachable (or down).
        var unreachable = facts.Where(f => !f.Connected).Select(f => f.Host.Address).ToHashSet(StringComparer.Ordinal);
        var closed = facts.SelectMany(f => f.Probed.Where(p => !f.Open.Contains(p) && !unreachable.Contains(p.Address)).Select(p => (From: f.Host, Probe: p)));
        foreach (var group in closed.GroupBy(c => c.Probe))
        {
            var to = inventory.Hosts.FirstOrDefault(h => h.Address == group.Key.Address);
            var owner = to?.Name ?? group.Key.Address;
            var what = group.Key.Port == SwarmFormation.ManagerPort ? "Swarm's manager port" : "Swarm's gossip port";
            yield return new(to, $"{owner} does not answer on {group.Key.Address}:{group.Key.Port}/tcp ({what}) from {string.Join(", ", group.Select(c => c.From.Name))}; open it at {owner}'s firewall to the other hosts (and {GossipPort}/udp, 4789/udp), then run Preflight again.");
        }
    }

    /// <summary>Engines of different major versions are a failure (Swarm's nodes should run one release); different
    /// releases of one major version a note.</summary>
    private static Dictionary<ClusterHost, EngineVersion> Versions(IReadOnlyList<NodeFacts> facts, List<PreflightFailure> failures, List<string> notes)
    {
        var versions = facts.Where(f => f.Engine != null).ToDictionary(f => f.Host, f => f.Engine!);
        string Each(IEnumerable<KeyValuePair<ClusterHost, EngineVersion>> of) =>
            string.Join("; ", of.GroupBy(v => v.Value.Version).Select(g => $"{g.Key} on {string.Join(", ", g.Select(v => v.Key.Name))}"));
        if (versions.Values.Select(v => v.Major).Distinct().Count() > 1)
            failures.Add(new(null, $"The engines differ in major version ({Each(versions)}); a swarm's nodes should run one: upgrade the older ones (one at a time), then run Preflight again."));
        else if (versions.Values.Select(v => v.Version).Distinct().Count() > 1)
            notes.Add($"Preflight: the engines run {Each(versions)}: one major version, which Swarm accepts; one release everywhere is best.");
        return versions;
    }

    /// <summary>With IPVS on every node, Swarm's virtual IPs and routing mesh; else DNS round robin and host-mode
    /// ports on every service (a VIP would resolve and not answer).</summary>
    private static (bool HasIpvs, string Mode) Mode(IReadOnlyList<NodeFacts> facts)
    {
        var lacking = facts.Where(f => !f.Ipvs.Has()).ToList();
        if (lacking.Count == 0)
            return (true, "Preflight: mode: virtual IPs and the routing mesh (every node's kernel has IPVS).");
        var why = string.Join("; ", lacking.GroupBy(f => f.Ipvs == Ipvs.Unknown ? "not known" : $"kernel {f.Kernel}")
            .Select(g => $"{g.Key} on {string.Join(", ", g.Select(f => f.Host.Name))}"));
        return (false, $"Preflight: mode: endpoint_mode dnsrr and host-mode published ports, because not every node's kernel has IPVS (no IPVS: {why}); a service's virtual IP would resolve but not answer.");
    }

    private static PreflightRow Row(ClusterInventory inventory, NodeFacts f, SwarmNodeState? node, Dictionary<ClusterHost, NodeFacts> byHost, Dictionary<ClusterHost, EngineVersion> versions)
    {
        var roles = string.Join(",", f.Host.Roles.Select(r => r.Name())) + (inventory.IsManager(f.Host) && !f.Host.Has(ClusterRole.Manager) ? " (+manager)" : "");
        var engine = versions.TryGetValue(f.Host, out var v) ? v.ToString() : f.Connected ? "no answer" : "no SSH";
        var swarm = node != null
            ? $"{(node.IsLeader ? "leader" : node.IsManager ? "manager" : "worker")}, {node.Status.ToLowerInvariant()}, {node.Availability.ToLowerInvariant()}"
            : f.Membership.IsActive ? "in a swarm" : f.Membership.IsFree ? (f.Engine == null ? "?" : "no swarm") : f.Membership.State;
        var disk = f.DiskFree is { } free ? Bytes.Format(free) : "?";
        // The ports of this host, as the others found them: its firewall is what an operator opens.
        var toIt = byHost.Values.SelectMany(o => o.Probed.Where(p => p.Address == f.Host.Address).Select(p => o.Open.Contains(p))).ToList();
        var ports = toIt.Count == 0 ? "?" : $"{toIt.Count(o => o)}/{toIt.Count} open";
        var ipvs = f.Ipvs switch { Ipvs.Loaded => "yes", Ipvs.Module => "yes (module)", Ipvs.Absent => "no", _ => "?" };
        return new PreflightRow(f.Host, node?.Hostname ?? "?", roles, engine, swarm, disk, ports, ipvs);
    }
}
