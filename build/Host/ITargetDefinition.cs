using System.Linq.Expressions;

namespace Mlstack.Build.Host;

/// <summary>The fluent surface a target is declared with; the names and meanings follow NUKE's.</summary>
public interface ITargetDefinition
{
    ITargetDefinition Description(string description);

    ITargetDefinition Executes(Action action);
    ITargetDefinition Executes(Func<Task> action);
    ITargetDefinition Executes(Func<CancellationToken, Task> action);

    /// <summary>These run first, and are pulled into the plan.</summary>
    ITargetDefinition DependsOn(params Target[] targets);
    ITargetDefinition DependsOn<T>(params Func<T, Target>[] targets);

    /// <summary>This target runs before those, and is pulled into the plan when they are.</summary>
    ITargetDefinition DependentFor(params Target[] targets);
    ITargetDefinition DependentFor<T>(params Func<T, Target>[] targets);

    /// <summary>Ordering only: applies when both targets are planned anyway.</summary>
    ITargetDefinition Before(params Target[] targets);
    ITargetDefinition Before<T>(params Func<T, Target>[] targets);
    ITargetDefinition After(params Target[] targets);
    ITargetDefinition After<T>(params Func<T, Target>[] targets);

    /// <summary>Those are pulled in to run after this one.</summary>
    ITargetDefinition Triggers(params Target[] targets);
    ITargetDefinition Triggers<T>(params Func<T, Target>[] targets);
    ITargetDefinition TriggeredBy(params Target[] targets);
    ITargetDefinition TriggeredBy<T>(params Func<T, Target>[] targets);

    /// <summary>Decided once, before any target runs.</summary>
    ITargetDefinition OnlyWhenStatic(params Func<bool>[] conditions);

    /// <summary>Decided just before this target would run.</summary>
    ITargetDefinition OnlyWhenDynamic(params Func<bool>[] conditions);

    ITargetDefinition WhenSkipped(DependencyBehavior dependencyBehavior);

    /// <summary>Parameters that must have a value; all are checked before the first target runs.</summary>
    ITargetDefinition Requires(params Expression<Func<object?>>[] parameters);

    /// <summary>When this target fails, the build goes on with targets that do not depend on it.</summary>
    ITargetDefinition ProceedAfterFailure();

    /// <summary>This target runs even after another one has failed.</summary>
    ITargetDefinition AssuredAfterFailure();

    /// <summary>Hidden from --help; still runnable by name.</summary>
    ITargetDefinition Unlisted();
}
