namespace Mlstack.Build.Gates;

public enum GoalKind
{
    /// <summary>Its healthcheck reports healthy.</summary>
    Healthy,

    /// <summary>A one-shot: it exits with code 0.</summary>
    Completed,

    /// <summary>No healthcheck: it keeps running through a settle period.</summary>
    Running,
}

/// <summary>What "ready" means for one service, and how long it may take once its container exists. Derived from a
/// compose service in Stack (<c>ServiceGoal.For(ServiceSpec, …)</c>), so the gates know nothing of compose files.</summary>
/// <param name="MayScaleToZero">A worker tier the autoscaler may stop entirely (its min is 0 in autoscale.yaml):
/// all its replicas stopped cleanly is ready too.</param>
public sealed record ServiceGoal(string Service, GoalKind Kind, TimeSpan Timeout, bool MayScaleToZero = false)
{
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan OneShotTimeout = TimeSpan.FromMinutes(3);
    public static readonly TimeSpan SettlePeriod = TimeSpan.FromSeconds(5);
}
