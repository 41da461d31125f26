using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Core;
using Mlstack.Build.Smoke;

namespace Mlstack.Build.Cluster;

/// <summary>The first smoke check on a swarm, from this machine as a client would come: every port the stack publishes
/// answers a connect on every node that runs a task of its service (host-mode ports: a node's port is its own task's,
/// so each node is checked, not one). A node whose port does not answer is named.</summary>
public static class SwarmPortSmoke
{
    public static async Task CheckAsync(DockerClient manager, string stack, BuildLog log, CancellationToken ct)
    {
        var nodes = (await manager.Swarm.ListNodesAsync(ct).ConfigureAwait(false)).ToDictionary(n => n.ID);
        var services = await SwarmQueries.StackServicesAsync(manager, stack, ct).ConfigureAwait(false);
        var checkedPorts = 0;
        foreach (var service in services)
        {
            var ports = (service.Endpoint?.Ports ?? []).Where(p => p.PublishMode == "host" || p.PublishMode is null).Select(p => (int)(p.PublishedPort ?? 0)).Where(p => p > 0).ToList();
            if (ports.Count == 0)
                continue;
            var tasks = await SwarmQueries.TasksAsync(manager, service.ID, running: true, ct).ConfigureAwait(false);
            foreach (var node in tasks.Select(t => t.NodeID ?? string.Empty).Distinct().Where(nodes.ContainsKey).Select(id => nodes[id]))
            {
                foreach (var port in ports)
                {
                    var address = node.Status?.Addr ?? string.Empty;
                    if (!await AnswersAsync(address, port, ct).ConfigureAwait(false))
                        throw new SmokeFailedException($"{service.Spec?.Name}'s published port {port} does not answer on node {node.Description?.Hostname} ({address}:{port}), which runs a task of it; see its logs (docker service logs {service.Spec?.Name}, on a manager).");
                    checkedPorts++;
                }
            }
        }

        log.Info($"Smoke: {checkedPorts} published port(s) answered, on every node that runs their service.");
    }

    private static async Task<bool> AnswersAsync(string address, int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await client.ConnectAsync(address, port, limit.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
