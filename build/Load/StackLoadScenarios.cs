using System.Text;

namespace Mlstack.Build.Load;

/// <summary>The declared load of mlstack, through the frontend.</summary>
public static class StackLoadScenarios
{
    private static readonly byte[] PredictBody = Encoding.UTF8.GetBytes("""{"features": [[0.1, 1.2, -0.3, 0.5], [1.0, -2.0, 0.5, 0.0]]}""");

    /// <summary>Predict is the product: its limits are 5× what the pooled serving path does at 20/s on a busy
    /// 2-core machine (p99 ~50 ms), so they catch a regression to per-request connections (p50 of seconds) without
    /// failing on a noisy neighbour.</summary>
    /// <param name="maxP99">--max-p99: one p99 limit for every scenario instead of each one's own.</param>
    public static IReadOnlyList<LoadScenario> All(TimeSpan? maxP99) =>
    [
        new("predict", HttpMethod.Post, "/api/predict", PredictBody, Weight: 4,
            new Thresholds(P50: TimeSpan.FromMilliseconds(50), P95: TimeSpan.FromMilliseconds(150), P99: maxP99 ?? TimeSpan.FromMilliseconds(250), MaxErrorRate: 0.01, MinAchievedRatio: 0.95, MaxDropped: 0)),
        new("health", HttpMethod.Get, "/api/health", null, Weight: 1,
            new Thresholds(P50: TimeSpan.FromMilliseconds(100), P95: TimeSpan.FromMilliseconds(500), P99: maxP99 ?? TimeSpan.FromSeconds(1), MaxErrorRate: 0.01, MinAchievedRatio: 0.95, MaxDropped: 0)),
    ];

    /// <summary>The benchmark's scenario: nginx answering from memory, so the generator itself is what is measured.</summary>
    public static LoadScenario Static(string path) =>
        new("static", HttpMethod.Get, path, null, 1, new Thresholds(null, null, null, MaxErrorRate: 0.001, MinAchievedRatio: 0.95, MaxDropped: 0));
}
