using System.Diagnostics;
using Mlstack.Build.Core;

namespace Mlstack.Build.Host;

/// <summary>Runs the planned targets in order. After a failure the rest are NotRun, except targets marked
/// AssuredAfterFailure; a failing ProceedAfterFailure target only stops the targets that depend on it.</summary>
internal static class TargetRunner
{
    public static async Task RunAsync(ExecutionPlan plan, BuildLog log, CancellationToken ct)
    {
        var stopped = false;
        foreach (var target in plan.Ordered)
        {
            if (target.Status == TargetStatus.Skipped)
                continue;
            var blocked = (stopped && !target.Definition.AssuredAfterFailureFlag)
                || (ct.IsCancellationRequested && !target.Definition.AssuredAfterFailureFlag)
                || target.DependsOn.Any(d => d.Status is TargetStatus.Failed or TargetStatus.NotRun or TargetStatus.Aborted);
            if (blocked)
            {
                target.Status = TargetStatus.NotRun;
                continue;
            }

            if (!target.Definition.DynamicConditions.All(condition => condition()))
            {
                target.Status = TargetStatus.Skipped;
                target.Message = "condition false";
                log.Info($"Skipping {target.Name}: its condition is false.");
                continue;
            }

            await RunOneAsync(target, log, ct);
            if (target.Status is TargetStatus.Failed or TargetStatus.Aborted && !target.Definition.ProceedsAfterFailure)
                stopped = true;
        }
    }

    private static async Task RunOneAsync(ExecutableTarget target, BuildLog log, CancellationToken ct)
    {
        if (target.Definition.Action == null)
        {
            target.Status = TargetStatus.Collective;
            return;
        }

        // On GitHub Actions a target's output folds into a group titled with its name, as NUKE's host does.
        if (log.WorkflowCommands is { } commands)
            commands.Group(target.Name);
        else
            log.Heading($"═══ {target.Name} ═══");
        target.Status = TargetStatus.Running;
        var clock = Stopwatch.StartNew();
        try
        {
            await target.Definition.Action(ct);
            target.Status = TargetStatus.Succeeded;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            target.Status = TargetStatus.Aborted;
            target.Message = "cancelled";
            log.Error($"Target {target.Name} was cancelled.");
        }
        catch (Exception e)
        {
            target.Status = TargetStatus.Failed;
            target.Message = FailureMessage(e);
            log.Error($"Target {target.Name} failed: {target.Message}");
            log.Debug(e.ToString());
        }
        finally
        {
            target.Duration = clock.Elapsed;
            log.WorkflowCommands?.EndGroup();
        }

        // After the group closes, so the annotation is not folded away; the run's page lists it at the top.
        if (target.Status is TargetStatus.Failed or TargetStatus.Aborted)
            log.WorkflowCommands?.Error($"Target {target.Name} {(target.Status == TargetStatus.Failed ? "failed" : "was cancelled")}", target.Message ?? string.Empty);
    }

    private static string FailureMessage(Exception e) =>
        (e is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerException! : e).Message;
}
