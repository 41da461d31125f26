using Mlstack.Build.Core;

namespace Mlstack.Build.Host;

/// <summary>--plan: the ordered plan and why each target is in it. Nothing runs.</summary>
internal static class PlanText
{
    public static void Print(ExecutionPlan plan, BuildLog log)
    {
        log.Report("Plan (nothing runs with --plan):");
        log.Report(string.Empty);
        var width = plan.Ordered.Select(t => t.Name.Length).DefaultIfEmpty(0).Max() + 3;
        var step = 0;
        foreach (var target in plan.Ordered)
        {
            var reason = plan.Reasons[target];
            var state = target.Status == TargetStatus.Skipped ? $"  [skipped: {target.Message}]" : string.Empty;
            log.Report($"  {++step,2}. {target.Name.PadRight(width)}{reason}{state}");
        }
    }
}
