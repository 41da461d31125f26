namespace Mlstack.Build.Host;

/// <summary>The targets a run will consider, in the order they run, with why each one is in the plan.</summary>
internal sealed class ExecutionPlan
{
    private ExecutionPlan(IReadOnlyList<ExecutableTarget> ordered, IReadOnlyDictionary<ExecutableTarget, string> reasons)
    {
        Ordered = ordered;
        Reasons = reasons;
    }

    public IReadOnlyList<ExecutableTarget> Ordered { get; }
    public IReadOnlyDictionary<ExecutableTarget, string> Reasons { get; }

    /// <summary>Invoked targets, then everything they pull in: dependencies, DependentFor, triggers.</summary>
    public static ExecutionPlan Create(TargetGraph graph, IReadOnlyList<ExecutableTarget> invoked)
    {
        TargetOrder.Check(graph.Targets);
        var reasons = new Dictionary<ExecutableTarget, string>();
        var queue = new Queue<ExecutableTarget>();
        foreach (var target in invoked)
            Include(target, "invoked");

        while (queue.Count > 0)
        {
            var target = queue.Dequeue();
            foreach (var dependency in target.DependsOn)
                Include(dependency, $"dependency of {target.Name}");
            foreach (var other in graph.Targets.Where(t => t.DependentFor.Contains(target)))
                Include(other, $"dependent for {target.Name}");
            foreach (var triggered in target.Triggers)
                Include(triggered, $"triggered by {target.Name}");
            foreach (var other in graph.Targets.Where(t => t.TriggeredBy.Contains(target)))
                Include(other, $"triggered by {target.Name}");
        }

        return new ExecutionPlan(TargetOrder.Sort(reasons.Keys, invoked), reasons);

        void Include(ExecutableTarget target, string reason)
        {
            if (reasons.TryAdd(target, reason))
                queue.Enqueue(target);
        }
    }
}
