using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Engine;

namespace Mlstack.Build.Cluster;

/// <summary>The Swarm API reads the gate, the smoke check and Status share: a stack's services (by the label stack
/// deploy puts on everything it makes) and a service's tasks.</summary>
public static class SwarmQueries
{
    public static Task<IList<SwarmService>> StackServicesAsync(DockerClient engine, string stack, CancellationToken ct) =>
        engine.Swarm.ListServicesAsync(new ServiceListParameters { Filters = Filter("label", $"{StackNaming.StackLabel}={stack}") }, ct);

    /// <param name="running">Only the tasks Swarm wants running (not those leaving or ended).</param>
    public static Task<IList<TaskResponse>> TasksAsync(DockerClient engine, string serviceId, bool running, CancellationToken ct)
    {
        var filters = Filter("service", serviceId);
        if (running)
            filters["desired-state"] = new Dictionary<string, bool> { ["running"] = true };
        return engine.Tasks.ListAsync(new TasksListParameters { Filters = filters }, ct);
    }

    private static Dictionary<string, IDictionary<string, bool>> Filter(string key, string value) =>
        new() { [key] = new Dictionary<string, bool> { [value] = true } };
}
