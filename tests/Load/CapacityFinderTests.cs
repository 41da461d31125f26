using Mlstack.Build.Load;

namespace Mlstack.Tests.Load;

/// <summary>The knee search, with a fake step: each scenario "breaks" above a rate of its own.</summary>
public sealed class CapacityFinderTests
{
    private static readonly Thresholds Any = new(null, null, TimeSpan.FromMilliseconds(100), 0.01, 0.95, 0);
    private static readonly LoadScenario[] Scenarios =
    [
        new("predict", HttpMethod.Post, "/p", null, 4, Any),
        new("health", HttpMethod.Get, "/h", null, 1, Any),
    ];

    /// <summary>A scenario's p99 is 10 ms below its limit and 500 ms above it.</summary>
    private static Task<IReadOnlyList<ScenarioSummary>> Fake(double rate, Dictionary<string, double> limits)
    {
        IReadOnlyList<ScenarioSummary> summaries = [.. Scenarios.Select(s =>
        {
            var share = rate * s.Weight / 5;
            var broken = share > limits[s.Name];
            var p99 = broken ? 500 : 10;
            var ms = new Dictionary<string, double> { ["p50"] = p99 / 2.0, ["p99"] = p99 };
            return new ScenarioSummary(s.Name, 100, share, share, 0, 0, 0, ms, ms, [new ThresholdResult(s.Name, "p99 < 100ms", "100ms", $"{p99}ms", !broken)]);
        })];
        return Task.FromResult(summaries);
    }

    [Fact]
    public async Task Each_scenario_reports_the_last_rate_that_held_and_the_first_that_broke()
    {
        var limits = new Dictionary<string, double> { ["predict"] = 100, ["health"] = 60 };
        var ran = new List<double>();

        var (steps, capacities) = await CapacityFinder.FindAsync(Scenarios, 20, 2, 12, (rate, _) => Fake(rate, limits), s => ran.Add(s.Rate), TestContext.Current.CancellationToken);

        // total 20, 40, 80, 160, 320: predict (4/5) 16, 32, 64, 128 → breaks at 128; health (1/5) 4 … 64 → breaks at 64.
        Assert.Equal([20, 40, 80, 160, 320], ran);
        Assert.Equal(5, steps.Count);
        var predict = capacities.Single(c => c.Scenario == "predict");
        Assert.Equal((64, 128), (predict.HeldRate!.Value, predict.BrokeRate!.Value));
        var health = capacities.Single(c => c.Scenario == "health");
        Assert.Equal((32, 64), (health.HeldRate!.Value, health.BrokeRate!.Value));
        Assert.Contains("p99 < 100ms (500ms)", CapacityReport.Describe(health));
    }

    [Fact]
    public async Task The_search_stops_at_the_step_limit_and_says_the_knee_was_not_reached()
    {
        var limits = new Dictionary<string, double> { ["predict"] = 1e9, ["health"] = 1e9 };

        var (steps, capacities) = await CapacityFinder.FindAsync(Scenarios, 10, 1.5, 3, (rate, _) => Fake(rate, limits), null, TestContext.Current.CancellationToken);

        Assert.Equal(3, steps.Count);
        Assert.All(capacities, c => Assert.Null(c.BrokeRate));
        Assert.Contains("held every step", CapacityReport.Describe(capacities[0]));
    }

    [Fact]
    public void A_scenario_that_breaks_at_once_has_no_held_rate_and_a_later_pass_does_not_undo_the_break()
    {
        var broken = new ScenarioSummary("predict", 1, 8, 8, 0, 0, 0, new Dictionary<string, double> { ["p99"] = 500 }, new Dictionary<string, double>(), [new ThresholdResult("predict", "p99", "100ms", "500ms", false)]);
        var fine = broken with { Thresholds = [new ThresholdResult("predict", "p99", "100ms", "10ms", true)], AskedRate = 16 };
        var health = fine with { Name = "health" };

        var capacities = CapacityFinder.Judge(Scenarios, [new CapacityStep(10, [broken, health]), new CapacityStep(20, [fine, health])]);

        Assert.Null(capacities[0].HeldRate);
        Assert.Equal(8, capacities[0].BrokeRate);
    }
}
