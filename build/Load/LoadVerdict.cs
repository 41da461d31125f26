using System.Globalization;

namespace Mlstack.Build.Load;

public sealed record ThresholdResult(string Scenario, string Name, string Limit, string Actual, bool Passed);

public sealed record ScenarioSummary(
    string Name,
    long Requests,
    double AskedRate,
    double AchievedRate,
    long Errors,
    long Dropped,
    long Late,
    IReadOnlyDictionary<string, double> CorrectedMs,
    IReadOnlyDictionary<string, double> UncorrectedMs,
    IReadOnlyList<ThresholdResult> Thresholds);

/// <summary>Turns the measurements into figures and checks each scenario's thresholds; the exit code follows.</summary>
public static class LoadVerdict
{
    private static readonly double[] Percentiles = [50, 90, 95, 99];

    public static IReadOnlyList<ScenarioSummary> Summarise(IReadOnlyList<LoadScenario> scenarios, IReadOnlyList<ScenarioStats> stats, LoadProfile profile)
    {
        var totalWeight = scenarios.Sum(s => s.Weight);
        return [.. scenarios.Zip(stats, (scenario, s) =>
        {
            var seconds = profile.Duration.TotalSeconds;
            var asked = profile.AskedRequests * scenario.Weight / totalWeight / seconds;
            var achieved = s.Requests / seconds;
            var corrected = Figures(s.Corrected);
            var uncorrected = Figures(s.Uncorrected);
            var errorRate = s.Requests == 0 ? 1 : (double)s.Errors / s.Requests;
            var t = scenario.Thresholds;
            var checks = new List<ThresholdResult>();
            void Latency(string name, TimeSpan? limit, double actual)
            {
                if (limit is { } l)
                    checks.Add(new ThresholdResult(scenario.Name, $"{name} < {Ms(l.TotalMilliseconds)}", Ms(l.TotalMilliseconds), Ms(actual), actual < l.TotalMilliseconds));
            }

            Latency("p50", t.P50, corrected["p50"]);
            Latency("p95", t.P95, corrected["p95"]);
            Latency("p99", t.P99, corrected["p99"]);
            checks.Add(new ThresholdResult(scenario.Name, $"errors < {t.MaxErrorRate:P1}", $"{t.MaxErrorRate:P1}", $"{errorRate:P2}", errorRate < t.MaxErrorRate || (t.MaxErrorRate == 0 && errorRate == 0)));
            checks.Add(new ThresholdResult(scenario.Name, $"rate ≥ {t.MinAchievedRatio:P0} of asked", $"{asked * t.MinAchievedRatio:0.0}/s", $"{achieved:0.0}/s", achieved >= asked * t.MinAchievedRatio));
            checks.Add(new ThresholdResult(scenario.Name, $"dropped ≤ {t.MaxDropped}", t.MaxDropped.ToString(CultureInfo.InvariantCulture), s.Dropped.ToString(CultureInfo.InvariantCulture), s.Dropped <= t.MaxDropped));
            return new ScenarioSummary(scenario.Name, s.Requests, asked, achieved, s.Errors, s.Dropped, s.Late, corrected, uncorrected, checks);
        })];
    }

    private static Dictionary<string, double> Figures(HdrHistogram.HistogramBase histogram)
    {
        var figures = Percentiles.ToDictionary(p => $"p{p:0}", p => histogram.TotalCount == 0 ? 0 : histogram.GetValueAtPercentile(p) / 1000.0);
        figures["max"] = histogram.TotalCount == 0 ? 0 : HdrHistogram.HistogramExtensions.GetMaxValue(histogram) / 1000.0;
        return figures;
    }

    public static string Ms(double milliseconds) =>
        milliseconds >= 1000 ? $"{milliseconds / 1000:0.00}s" : milliseconds >= 10 ? $"{milliseconds:0}ms" : $"{milliseconds:0.00}ms";
}
