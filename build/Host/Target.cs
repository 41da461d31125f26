namespace Mlstack.Build.Host;

/// <summary>A target, declared NUKE-style: <c>Target Up => _ => _.DependsOn(Images).Executes(...);</c>.
/// Its name is the name of the property that returns it.</summary>
public delegate ITargetDefinition Target(ITargetDefinition _);

/// <summary>What a skipped target does to the dependencies it alone pulled in.</summary>
public enum DependencyBehavior
{
    Skip,
    Execute,
}
