namespace Mlstack.Build.Host;

public enum TargetStatus
{
    None,
    Running,
    Succeeded,
    Failed,
    Skipped,
    NotRun,
    Collective,
    Aborted,
}

/// <summary>A target with its relations resolved to other targets, and what became of it in this run.</summary>
internal sealed class ExecutableTarget(TargetDefinition definition, int declarationIndex)
{
    public TargetDefinition Definition { get; } = definition;
    public string Name => Definition.Name;
    public int DeclarationIndex { get; } = declarationIndex;

    public List<ExecutableTarget> DependsOn { get; } = [];
    public List<ExecutableTarget> DependentFor { get; } = [];
    public List<ExecutableTarget> Before { get; } = [];
    public List<ExecutableTarget> After { get; } = [];
    public List<ExecutableTarget> Triggers { get; } = [];
    public List<ExecutableTarget> TriggeredBy { get; } = [];

    public TargetStatus Status { get; set; }
    public TimeSpan Duration { get; set; }
    public string? Message { get; set; }

    public override string ToString() => Name;
}
