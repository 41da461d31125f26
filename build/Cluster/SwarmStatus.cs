using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Core;

namespace Mlstack.Build.Cluster;

/// <summary>Status of a swarm, through a manager's engine: one row per node (its roles' labels, manager or worker,
/// ready or down, active or drained), then one row per service of the stack (tasks running against replicas, on which
/// nodes, the image's tag, the update's state) — so a drained node and the tasks that moved off it show at once.</summary>
public static class SwarmStatus
{
    public static async Task PrintAsync(DockerClient manager, string stack, BuildLog log, CancellationToken ct)
    {
        var nodes = await manager.Swarm.ListNodesAsync(ct).ConfigureAwait(false);
        var names = nodes.ToDictionary(n => n.ID, n => n.Description?.Hostname ?? n.ID);
        log.Report($"{"node",-16} {"roles",-22} {"swarm",-10} {"state",-7} availability");
        foreach (var node in nodes.OrderBy(n => n.Description?.Hostname, StringComparer.Ordinal))
        {
            var roles = string.Join(",", (node.Spec?.Labels ?? new Dictionary<string, string>()).Keys
                .Where(k => k.StartsWith("mlstack.role.", StringComparison.Ordinal)).Select(k => k["mlstack.role.".Length..]).Order(StringComparer.Ordinal));
            var swarm = node.ManagerStatus is { } status ? (status.Leader == true ? "leader" : "manager") : "worker";
            log.Report($"{names[node.ID],-16} {roles,-22} {swarm,-10} {node.Status?.State?.ToLowerInvariant(),-7} {node.Spec?.Availability?.ToLowerInvariant()}");
        }

        var services = await SwarmQueries.StackServicesAsync(manager, stack, ct).ConfigureAwait(false);
        log.Report($"{"service",-22} {"running",-9} {"nodes",-34} {"image",-16} update");
        foreach (var service in services.OrderBy(s => s.Spec?.Name, StringComparer.Ordinal))
        {
            var tasks = await SwarmQueries.TasksAsync(manager, service.ID, running: true, ct).ConfigureAwait(false);
            var running = tasks.Where(t => t.Status?.State == TaskState.Running).ToList();
            var replicas = service.Spec?.Mode?.Replicated?.Replicas is { } wanted ? wanted.ToString(CultureInfo.InvariantCulture) : "job";
            var on = string.Join(",", running.Select(t => names.GetValueOrDefault(t.NodeID ?? string.Empty, "?")).Distinct().Order(StringComparer.Ordinal));
            var image = service.Spec?.TaskTemplate?.ContainerSpec?.Image ?? string.Empty;
            var tag = image.Contains(':', StringComparison.Ordinal) ? image[(image.LastIndexOf(':') + 1)..] : image;
            log.Report($"{service.Spec?.Name,-22} {$"{running.Count}/{replicas}",-9} {on,-34} {tag[..Math.Min(tag.Length, 16)],-16} {service.UpdateStatus?.State ?? "-"}");
        }
    }
}
