using System.Globalization;
using System.Text;
using Mlstack.Build.Core;

namespace Mlstack.Build.Load;

/// <summary>One endpoint wrk drives through the frontend; <see cref="Body"/> makes it a JSON POST.</summary>
public sealed record ServingEndpoint(string Name, string Path, string? Body = null);

public sealed record ServingRow(ServingEndpoint Endpoint, WrkResult Wrk, double ShareOfCeiling);

/// <summary>ml-service's closed-model maximum (wrk) next to nginx's own /healthz, measured in the same run: the
/// ceiling shows what the machine and the proxy allow at that moment, so a busy machine does not read as a slow
/// service. The floors are issue 7's: predict ≥ 500/s and ≥ 5 % of the ceiling, health ≥ 200/s.</summary>
public static class ServingReport
{
    public static readonly ServingEndpoint Predict = new("predict", "/api/predict", """{"features": [[0.1, 1.2, -0.3, 0.5], [1.0, -2.0, 0.5, 0.0]]}""");
    public static readonly ServingEndpoint Health = new("health", "/api/health");
    public static readonly ServingEndpoint Ceiling = new("nginx /healthz", "/healthz");
    public static IReadOnlyList<ServingEndpoint> All { get; } = [Predict, Health, Ceiling];

    public const double MinPredictRate = 500, MinPredictShare = 0.05, MinHealthRate = 200;

    public static IReadOnlyList<ServingRow> Rows(IReadOnlyList<(ServingEndpoint Endpoint, WrkResult Wrk)> measured)
    {
        var ceiling = measured.Single(m => m.Endpoint == Ceiling).Wrk.RequestsPerSecond;
        return [.. measured.Select(m => new ServingRow(m.Endpoint, m.Wrk, ceiling > 0 ? m.Wrk.RequestsPerSecond / ceiling : 0))];
    }

    /// <summary>Every floor missed, with the figures; empty when the service is fast enough.</summary>
    public static IReadOnlyList<string> Failures(IReadOnlyList<ServingRow> rows)
    {
        var failures = new List<string>();
        foreach (var row in rows.Where(r => r.Wrk.Errors > 0))
            failures.Add($"{row.Endpoint.Name}: {row.Wrk.Errors} of {row.Wrk.Requests} requests failed");
        var predict = rows.Single(r => r.Endpoint == Predict);
        if (predict.Wrk.RequestsPerSecond < MinPredictRate || predict.ShareOfCeiling < MinPredictShare)
            failures.Add($"predict {predict.Wrk.RequestsPerSecond:0}/s = {predict.ShareOfCeiling:P1} of nginx's ceiling; needs ≥ {MinPredictRate:0}/s and ≥ {MinPredictShare:P0}");
        var health = rows.Single(r => r.Endpoint == Health);
        if (health.Wrk.RequestsPerSecond < MinHealthRate)
            failures.Add($"health {health.Wrk.RequestsPerSecond:0}/s; needs ≥ {MinHealthRate:0}/s");
        return failures;
    }

    public static void Print(IReadOnlyList<ServingRow> rows, BuildLog log)
    {
        log.Report($"  {"endpoint",-16} {"requests/s",10} {"p50",9} {"p99",9} {"of ceiling",10} {"errors",7}");
        foreach (var r in rows)
            log.Report($"  {r.Endpoint.Name,-16} {r.Wrk.RequestsPerSecond,10:0} {Ms(r.Wrk.P50Ms),9} {Ms(r.Wrk.P99Ms),9} {r.ShareOfCeiling,10:P1} {r.Wrk.Errors,7}");
    }

    public static string Markdown(IReadOnlyList<ServingRow> rows, int connections, TimeSpan duration)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# ServingBenchmark: wrk -t2 -c{connections} -d{duration.TotalSeconds:0}s --latency, through the frontend");
        md.AppendLine();
        md.AppendLine("| endpoint | requests/s | p50 | p99 | share of nginx ceiling | errors |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Endpoint.Name} | {r.Wrk.RequestsPerSecond:0} | {Ms(r.Wrk.P50Ms)} | {Ms(r.Wrk.P99Ms)} | {r.ShareOfCeiling:P1} | {r.Wrk.Errors} |");
        return md.ToString();
    }

    private static string Ms(double ms) => double.IsNaN(ms) ? "?" : string.Create(CultureInfo.InvariantCulture, $"{ms:0.0}ms");
}
