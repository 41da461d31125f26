using Mlstack.Build.Gates;

namespace Mlstack.Build.Stack;

/// <summary>A compose service's gate goal. It lives here, beside <see cref="ServiceSpec"/>, rather than in Gates:
/// the gates sit below the stack and never read compose files.</summary>
public static class ServiceGoals
{
    extension(ServiceGoal)
    {
        /// <param name="timeoutOverride">--service-timeout: the same limit for every service.</param>
        public static ServiceGoal For(ServiceSpec service, TimeSpan? timeoutOverride, bool mayScaleToZero = false)
        {
            var (kind, derived) = service switch
            {
                { Healthcheck: { } health } => (GoalKind.Healthy, health.WorstCaseStart + health.Timeout + ServiceGoal.Margin),
                { IsOneShot: true } => (GoalKind.Completed, ServiceGoal.OneShotTimeout),
                _ => (GoalKind.Running, ServiceGoal.SettlePeriod + ServiceGoal.Margin),
            };
            return new ServiceGoal(service.Name, kind, timeoutOverride ?? derived, mayScaleToZero && service.IsTier);
        }
    }
}
