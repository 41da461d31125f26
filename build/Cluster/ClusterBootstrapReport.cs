using Mlstack.Build.Core;

namespace Mlstack.Build.Cluster;

/// <summary>The cluster Bootstrap's table: per host its node's hostname, roles, swarm state and what was done; then
/// what a step left for later, the quorum, and whether anything changed.</summary>
public static class ClusterBootstrapReport
{
    public static void Print(ClusterInventory inventory, IReadOnlyList<ClusterHostResult> results, BuildLog log)
    {
        log.Report($"{"host",-18}{"hostname",-20}{"roles",-22}{"swarm",-18}done");
        foreach (var result in results)
        {
            var done = result.Steps.Where(s => s.Changed).Select(s => s.What).Concat(result.SwarmDone).ToList();
            var roles = string.Join(",", result.Host.Roles.Select(r => r.Name())) + (inventory.IsManager(result.Host) && !result.Host.Has(ClusterRole.Manager) ? " (+manager)" : "");
            log.Report($"{result.Host.Name,-18}{result.Hostname,-20}{roles,-22}{result.Swarm,-18}{(done.Count == 0 ? "nothing" : string.Join("; ", done))}");
        }

        foreach (var result in results)
        {
            foreach (var step in result.Steps.Where(s => s.Changed))
                log.Info($"Bootstrap: {result.Host.Name}: {step.What}: {step.Done}");
        }

        log.Info($"Bootstrap: {inventory.QuorumNote}");
        var changed = results.Count(r => r.Changed);
        log.Success(changed == 0
            ? $"Bootstrap: the cluster of {results.Count} hosts in {inventory.File} was ready; nothing changed."
            : $"Bootstrap: the cluster of {results.Count} hosts in {inventory.File} is formed; {changed} host(s) changed.");
    }
}
