using Mlstack.Build.Core;
using Mlstack.Build.Remote;

namespace Mlstack.Build.Cluster;

/// <summary>SmokeTest on a swarm, outside a deploy: the first manager says which nodes are down; each is named, and the
/// stack is checked on the others (Swarm runs the lost node's tasks there), through a session to each.</summary>
public sealed class ClusterSmokeTest(ClusterInventory inventory, Func<ClusterHost, CancellationToken, Task<SshSession>> connect, string stack, BuildLog log)
{
    public async Task RunAsync(ClusterSmoke smoke, CancellationToken ct)
    {
        var sessions = new List<SshSession>();
        try
        {
            var manager = await connect(inventory.FirstManager, ct).ConfigureAwait(false);
            sessions.Add(manager);
            IReadOnlyList<(string Hostname, string Address, string State)> down;
            IReadOnlyList<string> services;
            using (var engine = manager.OpenEngine())
                (down, services) = (await SwarmSmokeTarget.DownAsync(engine, ct).ConfigureAwait(false), await SwarmSmokeTarget.ServicesAsync(engine, stack, ct).ConfigureAwait(false));
            foreach (var node in down)
                log.Warn($"SmokeTest: node {node.Hostname} ({node.Address}) is {node.State}: Swarm runs its tasks on the other nodes, and the stack is checked there.");
            foreach (var host in inventory.Hosts.Where(h => h != inventory.FirstManager && down.All(d => d.Address != h.Address)))
                sessions.Add(await connect(host, ct).ConfigureAwait(false));
            await smoke(manager, sessions, services, ct).ConfigureAwait(false);
        }
        finally
        {
            foreach (var session in sessions)
                await session.DisposeAsync().ConfigureAwait(false);
        }
    }
}
