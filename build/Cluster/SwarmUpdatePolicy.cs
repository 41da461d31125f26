using Mlstack.Build.Stack;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Build.Cluster;

/// <summary>How Swarm replaces a service's tasks in a release, and how it goes back: one task at a time; a new task
/// must stay up (and healthy) for <c>monitor</c> before the update counts as done, so monitor is at least the
/// service's health window (start_period + interval × retries: the time its healthcheck may take to call a healthy
/// start unhealthy); a task failing in that window rolls the service back (docs/cluster.md).</summary>
public static class SwarmUpdatePolicy
{
    /// <summary>A service without a healthcheck is watched this long: a crash at start shows in it.</summary>
    public static readonly TimeSpan MinimumMonitor = TimeSpan.FromSeconds(10);

    public static TimeSpan Monitor(HealthcheckSpec? health)
    {
        var window = health?.WorstCaseStart ?? TimeSpan.Zero;
        return window > MinimumMonitor ? window : MinimumMonitor;
    }

    /// <summary>start-first (the new task healthy before the old one stops) for stateless services; stop-first for a
    /// service on a named volume (two copies must not open one data directory) and for one whose ports are published
    /// in host mode (a node's port is held by one task: a new task beside the old would find it taken).</summary>
    public static string Order(SwarmPlacement placement, bool publishesHostPorts) =>
        placement == SwarmPlacement.Data || publishesHostPorts ? "stop-first" : "start-first";

    public static YamlMappingNode UpdateConfig(HealthcheckSpec? health, string order) => new()
    {
        { "parallelism", SwarmYaml.Number(1) },
        { "order", SwarmYaml.Quoted(order) },
        { "failure_action", SwarmYaml.Quoted("rollback") },
        { "monitor", SwarmYaml.Duration(Monitor(health)) },
        { "max_failure_ratio", SwarmYaml.Number(0) },
    };

    /// <summary>Going back is the same walk in reverse; a rollback that fails pauses (there is nothing older to go to).</summary>
    public static YamlMappingNode RollbackConfig(HealthcheckSpec? health, string order) => new()
    {
        { "parallelism", SwarmYaml.Number(1) },
        { "order", SwarmYaml.Quoted(order) },
        { "failure_action", SwarmYaml.Quoted("pause") },
        { "monitor", SwarmYaml.Duration(Monitor(health)) },
    };
}
