using Mlstack.Build.Core;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Cluster;

/// <summary>The order compose's <c>depends_on</c> gave, for a stack deploy that ignores it: a one-shot runs after what
/// it depends on is up (migrate after postgres), and what depends on a one-shot starts after it completed (ml-service
/// after migrate). Between long-running services no order is kept: Swarm restarts a task that fails while its
/// dependency comes up, and the gates wait for every service's health.</summary>
public static class SwarmDeployPhases
{
    /// <summary>Phases numbered from 1; a service's phase is one after every one-shot it depends on (directly or
    /// through other services), and a one-shot's is one after everything it depends on.</summary>
    public static IReadOnlyList<SwarmDeployPhase> Of(ComposeModel model)
    {
        var levels = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var service in model.Services)
            Level(model, service, levels, []);
        return [.. levels.GroupBy(l => l.Value).OrderBy(g => g.Key).Select((g, i) => new SwarmDeployPhase(
            i + 1,
            [.. g.Select(l => model.Find(l.Key)!).Where(s => !s.IsOneShot).Select(s => s.Name).Order(StringComparer.Ordinal)],
            [.. g.Select(l => model.Find(l.Key)!).Where(s => s.IsOneShot).Select(s => s.Name).Order(StringComparer.Ordinal)]))];
    }

    private static int Level(ComposeModel model, ServiceSpec service, Dictionary<string, int> levels, List<string> path)
    {
        if (levels.TryGetValue(service.Name, out var known))
            return known;
        if (path.Contains(service.Name))
            throw new BuildInputException($"services depend on each other in a circle ({string.Join(" → ", path.Append(service.Name))}); compose refuses it, and so does the cluster's deploy.");
        path.Add(service.Name);
        var level = 0;
        foreach (var name in service.DependsOn.Keys)
        {
            var dependency = model.Find(name) ?? throw new BuildInputException($"service '{service.Name}' depends on '{name}', which is not a service of this stack.");
            var after = Level(model, dependency, levels, path);
            level = Math.Max(level, dependency.IsOneShot || service.IsOneShot ? after + 1 : after);
        }

        path.RemoveAt(path.Count - 1);
        levels[service.Name] = level;
        return level;
    }
}
