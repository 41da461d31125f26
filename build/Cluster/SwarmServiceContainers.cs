using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Engine;

namespace Mlstack.Build.Cluster;

/// <summary>A stack's task containers on a swarm: each node's engine is asked for the containers of the service's
/// tasks (by the label Swarm puts on them), all nodes at once; a one-shot's end is read from its task on the manager,
/// which knows it even when the node that ran it is gone. Disposes the clients.</summary>
public sealed class SwarmServiceContainers(DockerClient manager, IReadOnlyList<DockerClient> nodes, string stack) : IServiceContainers
{
    private readonly IReadOnlyList<EngineContainers> engines = [.. nodes.Select(n => new EngineContainers(n))];

    public async Task<IReadOnlyList<ServiceContainer>> ListAsync(string service, bool runningOnly, CancellationToken ct)
    {
        var filters = StackNaming.Swarm.Containers(stack, service);
        var found = await Task.WhenAll(engines.Select(async e =>
            (await e.ListAsync(filters, runningOnly, ct).ConfigureAwait(false)).Select(c => new ServiceContainer(e, c)))).ConfigureAwait(false);
        return [.. found.SelectMany(f => f)];
    }

    /// <summary>The newest task of the service: complete is exited 0; failed is its container's exit code.</summary>
    public async Task<(string State, long ExitCode)?> LastRunAsync(string service, CancellationToken ct)
    {
        var name = SwarmStackCommands.ServiceName(stack, service);
        var found = (await SwarmQueries.StackServicesAsync(manager, stack, ct).ConfigureAwait(false)).FirstOrDefault(s => s.Spec?.Name == name);
        if (found == null)
            return null;
        var newest = (await SwarmQueries.TasksAsync(manager, found.ID, running: false, ct).ConfigureAwait(false)).MaxBy(t => t.CreatedAt);
        return newest?.Status?.State switch
        {
            null => null,
            TaskState.Complete => ("exited", 0),
            TaskState.Failed => ("exited", newest.Status.ContainerStatus?.ExitCode ?? -1),
            var state => (state.ToString()!.ToLowerInvariant(), -1),
        };
    }

    public void Dispose()
    {
        manager.Dispose();
        foreach (var engine in engines)
            engine.Dispose();
    }
}
