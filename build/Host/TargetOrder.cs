using Mlstack.Build.Core;

namespace Mlstack.Build.Host;

/// <summary>Orders targets so that every "runs before" relation holds. Deterministic: invoked targets are
/// visited in the order they were named, predecessors in declaration order.</summary>
internal static class TargetOrder
{
    /// <summary>Reports a cycle anywhere in the declared relations, even among targets not planned now.</summary>
    public static void Check(IReadOnlyList<ExecutableTarget> all) => Sort(all, all);

    public static IReadOnlyList<ExecutableTarget> Sort(IEnumerable<ExecutableTarget> planned, IReadOnlyList<ExecutableTarget> invoked)
    {
        var members = planned.ToHashSet();
        var ordered = new List<ExecutableTarget>();
        var done = new HashSet<ExecutableTarget>();
        var path = new List<ExecutableTarget>();
        foreach (var target in invoked.Concat(members.OrderBy(t => t.DeclarationIndex)))
            Visit(target);
        return ordered;

        void Visit(ExecutableTarget target)
        {
            if (done.Contains(target))
                return;
            var seen = path.IndexOf(target);
            if (seen >= 0)
            {
                var cycle = path.Skip(seen).Append(target).Select(t => t.Name);
                throw new BuildInputException($"Circular dependency between targets: {string.Join(" -> ", cycle)}.");
            }

            path.Add(target);
            foreach (var predecessor in Predecessors(target, members).OrderBy(t => t.DeclarationIndex))
                Visit(predecessor);
            path.RemoveAt(path.Count - 1);
            done.Add(target);
            ordered.Add(target);
        }
    }

    /// <summary>Targets in the plan that must finish before this one starts.</summary>
    private static IEnumerable<ExecutableTarget> Predecessors(ExecutableTarget target, HashSet<ExecutableTarget> members) =>
        target.DependsOn
            .Concat(target.After)
            .Concat(target.TriggeredBy)
            .Concat(members.Where(m => m.DependentFor.Contains(target) || m.Before.Contains(target) || m.Triggers.Contains(target)))
            .Where(members.Contains)
            .Distinct();
}
