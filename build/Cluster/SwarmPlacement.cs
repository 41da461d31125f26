using Mlstack.Build.Core;

namespace Mlstack.Build.Cluster;

/// <summary>Where a service of the stack runs on the cluster.</summary>
public enum SwarmPlacement
{
    /// <summary>It keeps state in a named volume (postgres, redis, objectstore; prometheus's and alertmanager's data;
    /// node-exporter, which measures those volumes): a local volume lives on one node, so the service stays on the
    /// <c>data</c> node and is replaced stop-first (two copies must never open one data directory).</summary>
    Data,

    /// <summary>Stateless (HTTP services, the edge, exporters, beat, one-shots): on <c>app</c> nodes.</summary>
    App,

    /// <summary>A worker tier (io.mlstack.tier label): heavy work, on <c>worker</c> nodes.</summary>
    Worker,

    /// <summary>It mounts the Engine's socket (the scaler): only a manager's engine answers the Swarm API.</summary>
    Manager,
}

/// <summary>A service's placement and the constraint that says it, from what the compose model shows of it and the
/// roles the inventory's hosts have; a role no host has is never required (that service could run nowhere).</summary>
public static class SwarmPlacements
{
    public const string EngineSocket = "/var/run/docker.sock";

    public static SwarmPlacement Of(bool mountsNamedVolume, bool mountsEngineSocket, bool isTier) =>
        mountsEngineSocket ? SwarmPlacement.Manager
        : mountsNamedVolume ? SwarmPlacement.Data
        : isTier ? SwarmPlacement.Worker
        : SwarmPlacement.App;

    /// <summary>The placement constraints: worker tiers fall back to app nodes, then to any node; app services to
    /// any node; data services need the data node (the inventory names one host, or none).</summary>
    public static IReadOnlyList<string> Constraints(string service, SwarmPlacement placement, IReadOnlySet<ClusterRole> roles) => placement switch
    {
        SwarmPlacement.Manager => ["node.role == manager"],
        SwarmPlacement.Data => roles.Contains(ClusterRole.Data)
            ? [Constraint(ClusterRole.Data)]
            : throw new BuildInputException($"service {service} keeps its data in a named volume, and no host of the inventory has the data role; give it to one host (e.g. roles: [manager, data]) so that the data stays on it."),
        SwarmPlacement.Worker when roles.Contains(ClusterRole.Worker) => [Constraint(ClusterRole.Worker)],
        SwarmPlacement.Worker or SwarmPlacement.App when roles.Contains(ClusterRole.App) => [Constraint(ClusterRole.App)],
        _ => [],
    };

    private static string Constraint(ClusterRole role) => $"node.labels.{role.Label()} == true";
}
