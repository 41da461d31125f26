using System.Linq.Expressions;

namespace Mlstack.Build.Host;

/// <summary>What one target declared. Relations stay unresolved delegates until the whole build is known.</summary>
internal sealed class TargetDefinition(string name) : ITargetDefinition
{
    public string Name { get; } = name;
    public string? DescriptionText { get; private set; }
    public Func<CancellationToken, Task>? Action { get; private set; }
    public List<Func<object, Target>> DependsOnTargets { get; } = [];
    public List<Func<object, Target>> DependentForTargets { get; } = [];
    public List<Func<object, Target>> BeforeTargets { get; } = [];
    public List<Func<object, Target>> AfterTargets { get; } = [];
    public List<Func<object, Target>> TriggersTargets { get; } = [];
    public List<Func<object, Target>> TriggeredByTargets { get; } = [];
    public List<Func<bool>> StaticConditions { get; } = [];
    public List<Func<bool>> DynamicConditions { get; } = [];
    public List<Expression<Func<object?>>> RequiredParameters { get; } = [];
    public DependencyBehavior SkippedDependencyBehavior { get; private set; } = DependencyBehavior.Skip;
    public bool ProceedsAfterFailure { get; private set; }
    public bool AssuredAfterFailureFlag { get; private set; }
    public bool IsListed { get; private set; } = true;

    public ITargetDefinition Description(string description) => With(() => DescriptionText = description);

    public ITargetDefinition Executes(Action action) => Executes(_ => { action(); return Task.CompletedTask; });
    public ITargetDefinition Executes(Func<Task> action) => Executes(_ => action());
    public ITargetDefinition Executes(Func<CancellationToken, Task> action) => With(() => Action = action);

    public ITargetDefinition DependsOn(params Target[] targets) => Add(DependsOnTargets, targets);
    public ITargetDefinition DependsOn<T>(params Func<T, Target>[] targets) => Add(DependsOnTargets, targets);
    public ITargetDefinition DependentFor(params Target[] targets) => Add(DependentForTargets, targets);
    public ITargetDefinition DependentFor<T>(params Func<T, Target>[] targets) => Add(DependentForTargets, targets);
    public ITargetDefinition Before(params Target[] targets) => Add(BeforeTargets, targets);
    public ITargetDefinition Before<T>(params Func<T, Target>[] targets) => Add(BeforeTargets, targets);
    public ITargetDefinition After(params Target[] targets) => Add(AfterTargets, targets);
    public ITargetDefinition After<T>(params Func<T, Target>[] targets) => Add(AfterTargets, targets);
    public ITargetDefinition Triggers(params Target[] targets) => Add(TriggersTargets, targets);
    public ITargetDefinition Triggers<T>(params Func<T, Target>[] targets) => Add(TriggersTargets, targets);
    public ITargetDefinition TriggeredBy(params Target[] targets) => Add(TriggeredByTargets, targets);
    public ITargetDefinition TriggeredBy<T>(params Func<T, Target>[] targets) => Add(TriggeredByTargets, targets);

    public ITargetDefinition OnlyWhenStatic(params Func<bool>[] conditions) => With(() => StaticConditions.AddRange(conditions));
    public ITargetDefinition OnlyWhenDynamic(params Func<bool>[] conditions) => With(() => DynamicConditions.AddRange(conditions));
    public ITargetDefinition WhenSkipped(DependencyBehavior dependencyBehavior) => With(() => SkippedDependencyBehavior = dependencyBehavior);
    public ITargetDefinition Requires(params Expression<Func<object?>>[] parameters) => With(() => RequiredParameters.AddRange(parameters));
    public ITargetDefinition ProceedAfterFailure() => With(() => ProceedsAfterFailure = true);
    public ITargetDefinition AssuredAfterFailure() => With(() => AssuredAfterFailureFlag = true);
    public ITargetDefinition Unlisted() => With(() => IsListed = false);

    private TargetDefinition With(Action change)
    {
        change();
        return this;
    }

    private TargetDefinition Add(List<Func<object, Target>> relation, Target[] targets) =>
        With(() => relation.AddRange(targets.Select(target => (Func<object, Target>)(_ => target))));

    private TargetDefinition Add<T>(List<Func<object, Target>> relation, Func<T, Target>[] targets) =>
        With(() => relation.AddRange(targets.Select(select => (Func<object, Target>)(build => select((T)build)))));
}
