namespace Mlstack.Build.Cluster;

/// <summary>What a host of the cluster is for. Each role becomes a node label, <c>mlstack.role.&lt;role&gt;=true</c>,
/// that placement constraints read.</summary>
public enum ClusterRole
{
    /// <summary>Holds the swarm's state (Raft); the first one listed initialises the swarm.</summary>
    Manager,

    /// <summary>Runs the data services and keeps their named volumes: one host only.</summary>
    Data,

    /// <summary>Runs the stateless web tier (frontend, ml-service).</summary>
    App,

    /// <summary>Runs heavy work (training, the worker tiers).</summary>
    Worker,
}

public static class ClusterRoles
{
    public const string LabelPrefix = "mlstack.role.";

    public static string Name(this ClusterRole role) => role.ToString().ToLowerInvariant();

    public static string Label(this ClusterRole role) => LabelPrefix + role.Name();

    public static ClusterRole? Parse(string text) =>
        Enum.GetValues<ClusterRole>().Cast<ClusterRole?>().FirstOrDefault(r => r!.Value.Name() == text.Trim());

    public static string Known => string.Join(", ", Enum.GetValues<ClusterRole>().Select(r => r.Name()));
}
