namespace Mlstack.Build.GitHubActions;

/// <summary>A workflow as the generator builds it from an attribute, before it is written as YAML: one job on one
/// runner image per invocation of the build (one, or one per target of <c>ParallelJobs</c>).</summary>
internal sealed record Workflow(string Name, IReadOnlyList<Trigger> Triggers, Concurrency? Concurrency, IReadOnlyList<Job> Jobs);

internal abstract record Trigger;

internal sealed record PushTrigger(IReadOnlyList<string> Branches, IReadOnlyList<string> Tags) : Trigger;

internal sealed record PullRequestTrigger(IReadOnlyList<string> Branches) : Trigger;

internal sealed record DispatchTrigger(IReadOnlyList<DispatchInput> Inputs) : Trigger;

internal sealed record ScheduleTrigger(string Cron) : Trigger;

/// <summary>A workflow_dispatch input; its value reaches the build as the environment variable of a parameter.</summary>
internal sealed record DispatchInput(string Name, string Description, bool Required);

internal sealed record Concurrency(string Group, bool CancelInProgress);

internal sealed record DeploymentEnvironment(string Name, string? Url);

internal sealed record Job(string Id, string Name, string RunsOn, int TimeoutMinutes, DeploymentEnvironment? Environment, IReadOnlyList<Step> Steps);

/// <summary>One step: an action (<see cref="Uses"/>) or a shell command (<see cref="Run"/>).</summary>
internal sealed record Step(string Name)
{
    public string? Uses { get; init; }
    public string? Run { get; init; }
    public string? If { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>> With { get; init; } = [];
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];
}
