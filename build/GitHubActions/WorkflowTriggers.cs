namespace Mlstack.Build.GitHubActions;

/// <summary>The attribute's On… properties as triggers; a workflow without one would never run.</summary>
internal static class WorkflowTriggers
{
    public static IReadOnlyList<Trigger> From(GitHubActionsAttribute a, IReadOnlyList<DispatchInput> inputs, WorkflowImports imports)
    {
        List<Trigger> triggers = [];
        if (a.OnPushBranches.Length > 0 || a.OnPushTags.Length > 0)
            triggers.Add(new PushTrigger(a.OnPushBranches, a.OnPushTags));
        if (a.OnPullRequestBranches.Length > 0)
            triggers.Add(new PullRequestTrigger(a.OnPullRequestBranches));
        if (a.OnWorkflowDispatch || inputs.Count > 0)
            triggers.Add(new DispatchTrigger(inputs));
        if (a.OnCronSchedule != null)
        {
            // GitHub's cron has five fields, in UTC; the workflow parser checks the fields themselves.
            if (a.OnCronSchedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 5)
                throw imports.Problem($"OnCronSchedule '{a.OnCronSchedule}' is not a five-field cron expression (minute hour day month weekday, UTC).");
            triggers.Add(new ScheduleTrigger(a.OnCronSchedule));
        }

        return triggers.Count > 0 ? triggers : throw imports.Problem("no trigger: set OnPushBranches, OnPushTags, OnPullRequestBranches, OnWorkflowDispatch or OnCronSchedule.");
    }
}
