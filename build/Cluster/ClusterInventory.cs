namespace Mlstack.Build.Cluster;

/// <summary>The machines of a cluster, as stack/cluster.yaml lists them (<see cref="ClusterInventoryReader"/> checks
/// it): which host initialises the swarm, which ones manage it.</summary>
public sealed record ClusterInventory(string File, IReadOnlyList<ClusterHost> Hosts)
{
    /// <summary>Three managers tolerate the loss of one; more than three cost Raft traffic for little gain here.</summary>
    public const int ManagersForQuorum = 3;

    /// <summary>The first host listed with the manager role: it initialises the swarm, the others join it.</summary>
    public ClusterHost FirstManager => Hosts.First(h => h.Has(ClusterRole.Manager));

    /// <summary>The host the data services and their volumes are pinned to (the reader allows one), or null.</summary>
    public ClusterHost? DataHost => Hosts.FirstOrDefault(h => h.Has(ClusterRole.Data));

    /// <summary>The hosts that manage the swarm: those with the manager role, and with three or more hosts, enough
    /// others to make three (hosts without the worker role first, then in the file's order), so that the swarm
    /// survives the loss of one.</summary>
    public IReadOnlyList<ClusterHost> Managers
    {
        get
        {
            var named = Hosts.Where(h => h.Has(ClusterRole.Manager)).ToList();
            var wanted = Hosts.Count >= ManagersForQuorum ? Math.Max(ManagersForQuorum, named.Count) : named.Count;
            var added = Hosts.Where(h => !h.Has(ClusterRole.Manager)).OrderBy(h => h.Has(ClusterRole.Worker)).Take(wanted - named.Count);
            return [.. Hosts.Where(h => named.Contains(h) || added.Contains(h))];
        }
    }

    public bool IsManager(ClusterHost host) => Managers.Contains(host);

    /// <summary>One line on what losing a manager does to this cluster: Raft needs a majority of managers.</summary>
    public string QuorumNote
    {
        get
        {
            var managers = Managers.Count;
            var tolerated = (managers - 1) / 2;
            return tolerated == 0
                ? $"{managers} manager(s): the swarm cannot survive the loss of a manager (its state cannot change until it is back); list three or more hosts for three managers."
                : $"{managers} managers: the swarm survives the loss of {tolerated} manager(s).";
        }
    }
}
