using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Smoke;

namespace Mlstack.Build.Cluster;

/// <summary>What the stack's smoke checks are pointed at on a swarm, read through a manager's engine: the stack's
/// services as Swarm runs them, the node whose published port a client reaches, and the nodes that are down.</summary>
public static class SwarmSmokeTarget
{
    /// <summary>The stack's services, by their compose names (the stack's prefix taken off).</summary>
    public static async Task<IReadOnlyList<string>> ServicesAsync(DockerClient manager, string stack, CancellationToken ct) =>
        [.. (await SwarmQueries.StackServicesAsync(manager, stack, ct).ConfigureAwait(false))
            .Select(s => s.Spec?.Name ?? string.Empty)
            .Where(n => n.StartsWith(stack + "_", StringComparison.Ordinal))
            .Select(n => n[(stack.Length + 1)..])
            .Order(StringComparer.Ordinal)];

    /// <summary>http://node:port for the first node (by hostname) that runs a task of the service publishing
    /// <paramref name="port"/>: with host-mode ports only those nodes answer on it.</summary>
    public static async Task<Uri> AddressAsync(DockerClient manager, string stack, int port, CancellationToken ct)
    {
        var nodes = (await manager.Swarm.ListNodesAsync(ct).ConfigureAwait(false)).ToDictionary(n => n.ID);
        foreach (var service in await SwarmQueries.StackServicesAsync(manager, stack, ct).ConfigureAwait(false))
        {
            if (!(service.Endpoint?.Ports ?? []).Any(p => p.PublishedPort == port))
                continue;
            var running = (await SwarmQueries.TasksAsync(manager, service.ID, running: true, ct).ConfigureAwait(false))
                .Where(t => t.Status?.State == TaskState.Running && nodes.ContainsKey(t.NodeID ?? string.Empty))
                .Select(t => nodes[t.NodeID!])
                .OrderBy(n => n.Description?.Hostname, StringComparer.Ordinal)
                .FirstOrDefault();
            if (running?.Status?.Addr is { Length: > 0 } address)
                return new Uri($"http://{address}:{port}");
            throw new SmokeFailedException($"{service.Spec?.Name} publishes port {port} but runs no task on any node; see docker service ps {service.Spec?.Name} (on a manager).");
        }

        throw new SmokeFailedException($"No service of the stack {stack} publishes port {port} (FRONTEND_PORT); deploy the stack first (./build.sh Deploy --cluster …), or give --stack-url.");
    }

    /// <summary>The nodes Swarm does not see as ready (down, unknown, disconnected), by hostname and address.</summary>
    public static async Task<IReadOnlyList<(string Hostname, string Address, string State)>> DownAsync(DockerClient manager, CancellationToken ct) =>
        [.. (await manager.Swarm.ListNodesAsync(ct).ConfigureAwait(false))
            .Where(n => !string.Equals(n.Status?.State, "ready", StringComparison.OrdinalIgnoreCase))
            .Select(n => (n.Description?.Hostname ?? n.ID, n.Status?.Addr ?? string.Empty, n.Status?.State?.ToLowerInvariant() ?? "unknown"))
            .OrderBy(n => n.Item1, StringComparer.Ordinal)];
}
