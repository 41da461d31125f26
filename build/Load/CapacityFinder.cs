namespace Mlstack.Build.Load;

/// <summary>One step of the search: the total arrival rate asked and what each scenario did at it.</summary>
public sealed record CapacityStep(double Rate, IReadOnlyList<ScenarioSummary> Scenarios);

/// <summary>Per scenario: the highest rate (its share of the total) at which every threshold held, and the first at
/// which one broke — the knee lies between them — with the thresholds that broke there.</summary>
public sealed record ScenarioCapacity(string Scenario, double? HeldRate, double? BrokeRate, IReadOnlyList<ThresholdResult> BrokenThresholds);

/// <summary>Steps the open-model arrival rate up geometrically until every scenario has broken one of its
/// thresholds (or the step limit is reached). A scenario's knee is its first break: later steps cannot un-break it.</summary>
public static class CapacityFinder
{
    public static async Task<(IReadOnlyList<CapacityStep> Steps, IReadOnlyList<ScenarioCapacity> Capacities)> FindAsync(
        IReadOnlyList<LoadScenario> scenarios, double startRate, double factor, int maxSteps, Func<double, CancellationToken, Task<IReadOnlyList<ScenarioSummary>>> runStep, Action<CapacityStep>? onStep, CancellationToken ct)
    {
        var steps = new List<CapacityStep>();
        var rate = startRate;
        for (var i = 0; i < maxSteps; i++)
        {
            var step = new CapacityStep(rate, await runStep(rate, ct).ConfigureAwait(false));
            steps.Add(step);
            onStep?.Invoke(step);
            var capacities = Judge(scenarios, steps);
            if (capacities.All(c => c.BrokeRate != null))
                return (steps, capacities);
            rate *= factor;
        }

        return (steps, Judge(scenarios, steps));
    }

    public static IReadOnlyList<ScenarioCapacity> Judge(IReadOnlyList<LoadScenario> scenarios, IReadOnlyList<CapacityStep> steps) =>
        [.. scenarios.Select(scenario =>
        {
            double? held = null;
            foreach (var step in steps)
            {
                var summary = step.Scenarios.Single(s => s.Name == scenario.Name);
                var broken = summary.Thresholds.Where(t => !t.Passed).ToList();
                if (broken.Count > 0)
                    return new ScenarioCapacity(scenario.Name, held, summary.AskedRate, broken);
                held = summary.AskedRate;
            }

            return new ScenarioCapacity(scenario.Name, held, null, []);
        })];
}
