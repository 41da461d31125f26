namespace Mlstack.Build.Host;

/// <summary>Marks the targets that will not run, before anything runs: --skip, OnlyWhenStatic, and the
/// dependencies that only a statically skipped target wanted.</summary>
internal static class SkipDecision
{
    /// <param name="skip">null: no --skip; empty: skip every target that was not invoked; else these.</param>
    public static void Apply(ExecutionPlan plan, IReadOnlyList<ExecutableTarget> invoked, IReadOnlyList<ExecutableTarget>? skip, Action<ExecutableTarget, string> markSkipped)
    {
        var skipped = new Dictionary<ExecutableTarget, string>();
        foreach (var target in plan.Ordered)
        {
            if (skip is { Count: 0 } && !invoked.Contains(target))
                skipped[target] = "--skip";
            else if (skip != null && skip.Contains(target))
                skipped[target] = "--skip";
            else if (!target.Definition.StaticConditions.All(condition => condition()))
                skipped[target] = "condition false";
        }

        var needed = NeededTargets(plan, invoked, skipped);
        foreach (var target in plan.Ordered)
        {
            if (skipped.TryGetValue(target, out var reason))
                markSkipped(target, reason);
            else if (!needed.Contains(target))
                markSkipped(target, "only skipped targets need it");
        }
    }

    /// <summary>What is still wanted when we walk from the invoked targets without passing through a target whose
    /// static condition is false (unless it asked for its dependencies to run anyway).</summary>
    private static HashSet<ExecutableTarget> NeededTargets(ExecutionPlan plan, IReadOnlyList<ExecutableTarget> invoked, Dictionary<ExecutableTarget, string> skipped)
    {
        var needed = new HashSet<ExecutableTarget>();
        var queue = new Queue<ExecutableTarget>(invoked);
        while (queue.Count > 0)
        {
            var target = queue.Dequeue();
            if (!needed.Add(target))
                continue;
            var blocked = skipped.TryGetValue(target, out var reason) && reason == "condition false"
                && target.Definition.SkippedDependencyBehavior == DependencyBehavior.Skip;
            if (blocked)
                continue;
            var pulled = target.DependsOn
                .Concat(target.Triggers)
                .Concat(plan.Ordered.Where(t => t.DependentFor.Contains(target) || t.TriggeredBy.Contains(target)));
            foreach (var next in pulled)
                queue.Enqueue(next);
        }

        return needed;
    }
}
