using Mlstack.Build.Stack;

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

/// <summary>What "ready" means for one service, and how long it may take once its container exists.</summary>
/// <param name="MayScaleToZero">A worker tier the autoscaler may stop entirely (its min is 0 in autoscale.yaml):
/// all its replicas stopped cleanly is ready too.</param>
public sealed record ServiceGoal(string Service, GoalKind Kind, TimeSpan Timeout, bool MayScaleToZero = false)
{
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan OneShotTimeout = TimeSpan.FromMinutes(3);
    public static readonly TimeSpan SettlePeriod = TimeSpan.FromSeconds(5);

    /// <param name="timeoutOverride">--service-timeout: the same limit for every service.</param>
    public static ServiceGoal For(ServiceSpec service, TimeSpan? timeoutOverride, bool mayScaleToZero = false)
    {
        var (kind, derived) = service switch
        {
            { Healthcheck: { } health } => (GoalKind.Healthy, health.WorstCaseStart + health.Timeout + Margin),
            { IsOneShot: true } => (GoalKind.Completed, OneShotTimeout),
            _ => (GoalKind.Running, SettlePeriod + Margin),
        };
        return new ServiceGoal(service.Name, kind, timeoutOverride ?? derived, mayScaleToZero && service.IsTier);
    }
}
