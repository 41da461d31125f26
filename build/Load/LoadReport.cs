using System.Globalization;
using System.Text;
using System.Text.Json;
using Mlstack.Build.Core;

namespace Mlstack.Build.Load;

/// <summary>The LoadTest's reports: a console summary in k6's style, and JSON, Markdown and an SVG latency chart
/// (self-contained, viewable with no network) under the reports folder.</summary>
public static class LoadReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Print(IReadOnlyList<ScenarioSummary> summaries, LoadProfile profile, BuildLog log)
    {
        var ramp = profile.RampTo is { } to ? $" → {to:0.#}/s" : string.Empty;
        log.Report($"  open model: {profile.Rate:0.#}/s{ramp} for {profile.Duration.TotalSeconds:0}s after {profile.Warmup.TotalSeconds:0}s warmup, at most {profile.MaxInFlight} in flight");
        foreach (var s in summaries)
        {
            log.Report(string.Empty);
            log.Report($"  scenario {s.Name}");
            log.Report($"    http_reqs...........: {s.Requests,-8} {s.AchievedRate:0.0}/s (asked {s.AskedRate:0.0}/s)");
            log.Report($"    latency (corrected).: {Row(s.CorrectedMs)}");
            log.Report($"    latency (as sent)...: {Row(s.UncorrectedMs)}");
            log.Report($"    errors..............: {s.Errors,-8} {(s.Requests == 0 ? 0 : (double)s.Errors / s.Requests):P2}");
            log.Report($"    dropped / late......: {s.Dropped} / {s.Late}");
            foreach (var t in s.Thresholds)
                log.WriteAt(Verbosity.Minimal, $"    {(t.Passed ? "✓" : "✗")} {t.Name} ({t.Actual})", t.Passed ? "\e[32m" : "\e[31m");
        }

        log.StepSummary.Append(Markdown(summaries, profile));
    }

    public static void Write(string directory, IReadOnlyList<ScenarioSummary> summaries, IReadOnlyList<ScenarioStats> stats, LoadProfile profile)
    {
        Directory.CreateDirectory(directory);
        var timelines = stats.ToDictionary(s => s.Name, s => s.Timeline());
        var json = new
        {
            profile = new { rate = profile.Rate, rampTo = profile.RampTo, warmupSeconds = profile.Warmup.TotalSeconds, durationSeconds = profile.Duration.TotalSeconds, maxInFlight = profile.MaxInFlight },
            scenarios = summaries,
            timeline = timelines.ToDictionary(t => t.Key, t => t.Value.Select(p => new { requests = p.Count, errors = p.Errors, p50Ms = p.P50Ms, p99Ms = p.P99Ms })),
        };
        File.WriteAllText(Path.Combine(directory, "load.json"), JsonSerializer.Serialize(json, Indented));
        File.WriteAllText(Path.Combine(directory, "load.md"), Markdown(summaries, profile));
        File.WriteAllText(Path.Combine(directory, "load.svg"), LatencyChart.Svg(timelines));
    }

    private static readonly string[] Columns = ["p50", "p90", "p95", "p99", "max"];

    private static string Row(IReadOnlyDictionary<string, double> ms) =>
        string.Join("  ", Columns.Select(k => $"{k}={LoadVerdict.Ms(ms[k])}"));

    private static string Markdown(IReadOnlyList<ScenarioSummary> summaries, LoadProfile profile)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# LoadTest: {profile.Rate:0.#}/s for {profile.Duration.TotalSeconds:0}s");
        md.AppendLine();
        md.AppendLine("| scenario | requests | rate (asked) | p50 | p90 | p95 | p99 | max | p99 as sent | errors | dropped | late |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var s in summaries)
        {
            var c = s.CorrectedMs;
            md.AppendLine(CultureInfo.InvariantCulture, $"| {s.Name} | {s.Requests} | {s.AchievedRate:0.0}/s ({s.AskedRate:0.0}/s) | {LoadVerdict.Ms(c["p50"])} | {LoadVerdict.Ms(c["p90"])} | {LoadVerdict.Ms(c["p95"])} | {LoadVerdict.Ms(c["p99"])} | {LoadVerdict.Ms(c["max"])} | {LoadVerdict.Ms(s.UncorrectedMs["p99"])} | {s.Errors} | {s.Dropped} | {s.Late} |");
        }

        md.AppendLine();
        md.AppendLine("| scenario | threshold | actual | |");
        md.AppendLine("|---|---|---|---|");
        foreach (var t in summaries.SelectMany(s => s.Thresholds))
            md.AppendLine(CultureInfo.InvariantCulture, $"| {t.Scenario} | {t.Name} | {t.Actual} | {(t.Passed ? "✓" : "✗")} |");
        md.AppendLine();
        md.AppendLine("Latency is measured from each request's intended send time (corrected for coordinated omission); \"as sent\" is from the actual send. Chart: load.svg.");
        return md.ToString();
    }
}
