using Mlstack.Build.Load;

namespace Mlstack.Tests.Load;

/// <summary>The verdicts that decide LoadTest's, --find-capacity's and LoadBenchmark's exit codes, without load.</summary>
public sealed class LoadVerdictRunTests
{
    private static ScenarioSummary Summary(string name, params ThresholdResult[] thresholds)
    {
        var ms = new Dictionary<string, double> { ["p50"] = 5, ["p99"] = 10 };
        return new ScenarioSummary(name, 100, 20, 20, 0, 0, 0, ms, ms, thresholds);
    }

    [Fact]
    public void Every_threshold_passed_is_no_failure()
    {
        LoadTestRun.Verdict([Summary("predict", new ThresholdResult("predict", "p99 < 250ms", "250ms", "10ms", true))]);
    }

    [Fact]
    public void Each_failed_threshold_is_named_with_its_actual_value()
    {
        IReadOnlyList<ScenarioSummary> summaries =
        [
            Summary("predict", new ThresholdResult("predict", "p99 < 250ms", "250ms", "900ms", false), new ThresholdResult("predict", "errors < 1%", "1%", "0%", true)),
            Summary("health", new ThresholdResult("health", "dropped <= 0", "0", "3", false)),
        ];

        var error = Assert.Throws<LoadTestFailedException>(() => LoadTestRun.Verdict(summaries));

        Assert.Equal("2 threshold(s) failed: predict p99 < 250ms (900ms); health dropped <= 0 (3)", error.Message);
    }

    [Fact]
    public void Capacity_fails_only_for_a_scenario_that_held_no_rate()
    {
        CapacitySearch.Verdict([new ScenarioCapacity("predict", 40, 60, [])], 20);

        var error = Assert.Throws<LoadTestFailedException>(() => CapacitySearch.Verdict(
            [new ScenarioCapacity("predict", 40, 60, []), new ScenarioCapacity("health", null, 20, [])], 20));

        Assert.StartsWith("below the starting rate 20/s already: ", error.Message);
        Assert.Contains(CapacityReport.Describe(new ScenarioCapacity("health", null, 20, [])), error.Message);
        Assert.DoesNotContain("predict", error.Message);
    }

    [Fact]
    public void The_generator_must_reach_half_of_wrk()
    {
        LoadBenchmarkRun.Verdict(0.5);

        var error = Assert.Throws<LoadTestFailedException>(() => LoadBenchmarkRun.Verdict(0.4));

        Assert.StartsWith("the generator sustained ", error.Message);
        Assert.EndsWith(" of wrk's rate; the target is at least 50%.", error.Message);
    }
}
