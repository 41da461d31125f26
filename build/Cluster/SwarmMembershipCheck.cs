namespace Mlstack.Build.Cluster;

/// <summary>Before Bootstrap changes anything: every host is free or already a node of the first manager's swarm.
/// A host in another swarm (or half in one) is refused by name: joining it would take it from a cluster that may be
/// someone's production.</summary>
public static class SwarmMembershipCheck
{
    /// <param name="members">Each host's membership, read from its engine.</param>
    /// <param name="firstManagersNodes">The node ids of the first manager's swarm (empty when it is in none).</param>
    /// <param name="changed">What Bootstrap did so far, for the message.</param>
    /// <returns>Null when Bootstrap may go on, else the one-line refusal.</returns>
    public static string? Refusal(ClusterInventory inventory, IReadOnlyDictionary<ClusterHost, SwarmMembership> members, IReadOnlySet<string> firstManagersNodes, string changed = "Bootstrap changed nothing")
    {
        var first = inventory.FirstManager;
        var ours = members[first];
        var suffix = $"{changed}. Make it leave that swarm (docker swarm leave --force, on it) or take it out of {inventory.File}.";
        foreach (var host in inventory.Hosts)
        {
            var member = members[host];
            if (member.IsFree)
                continue;
            if (!member.IsActive)
                return $"{host.Name} is {member.State} in a swarm{(member.Error.Length > 0 ? $" ({member.Error})" : "")}; {suffix}";
            if (host == first && !member.IsManager)
                return $"{host.Name}, the first manager in {inventory.File}, is a worker of a swarm managed at {string.Join(", ", member.ManagerAddresses)}; {suffix}";
            if (host == first || InOurs(member, ours, firstManagersNodes))
                continue;
            var which = member.ClusterId != null ? $"cluster {Short(member.ClusterId)}" : $"managed at {string.Join(", ", member.ManagerAddresses)}";
            var ourSwarm = ours.IsActive ? $"the one {first.Name} manages (cluster {Short(ours.ClusterId)})" : $"{first.Name} (the first manager) is in no swarm";
            return $"{host.Name} is already in another swarm ({which}; {ourSwarm}); {suffix}";
        }

        return null;
    }

    private static bool InOurs(SwarmMembership member, SwarmMembership ours, IReadOnlySet<string> firstManagersNodes) =>
        ours.IsActive && (member.ClusterId != null ? member.ClusterId == ours.ClusterId : firstManagersNodes.Contains(member.NodeId));

    private static string Short(string? id) => id is { Length: > 12 } ? id[..12] : id ?? "?";
}
