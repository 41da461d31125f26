using System.Globalization;
using System.Text;
using System.Text.Json;
using Mlstack.Build.Core;

namespace Mlstack.Build.Load;

/// <summary>--find-capacity's results: a line per step as it ends, the knee per scenario, and capacity.md,
/// capacity.json and capacity.svg (p99 against the asked rate, with each scenario's limit) in the reports folder.</summary>
public static class CapacityReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void PrintStep(CapacityStep step, BuildLog log) =>
        log.Info($"LoadTest: {step.Rate,7:0.#}/s  " + string.Join("  ", step.Scenarios.Select(s =>
            $"{s.Name} {s.AchievedRate:0.#}/s p99 {LoadVerdict.Ms(s.CorrectedMs["p99"])} err {s.Errors} drop {s.Dropped} {(s.Thresholds.All(t => t.Passed) ? "✓" : "✗")}")));

    public static string Describe(ScenarioCapacity c) => c switch
    {
        { BrokeRate: null } => $"{c.Scenario}: held every step, up to {c.HeldRate:0.#}/s (raise the limit to find its knee)",
        { HeldRate: null } => $"{c.Scenario}: broke at the first step, {c.BrokeRate:0.#}/s: {Broken(c)}",
        _ => $"{c.Scenario}: held {c.HeldRate:0.#}/s; broke at {c.BrokeRate:0.#}/s: {Broken(c)}",
    };

    public static void Write(string directory, IReadOnlyList<CapacityStep> steps, IReadOnlyList<ScenarioCapacity> capacities)
    {
        Directory.CreateDirectory(directory);
        var json = new { capacities, steps = steps.Select(s => new { rate = s.Rate, scenarios = s.Scenarios }) };
        File.WriteAllText(Path.Combine(directory, "capacity.json"), JsonSerializer.Serialize(json, Indented));
        var md = new StringBuilder("# LoadTest --find-capacity\n\n| scenario | held | broke at | what broke |\n|---|---|---|---|\n");
        foreach (var c in capacities)
            md.AppendLine(CultureInfo.InvariantCulture, $"| {c.Scenario} | {Rate(c.HeldRate)} | {Rate(c.BrokeRate)} | {Broken(c)} |");
        md.Append("\n| asked (total) | scenario | achieved | p50 | p99 | errors | dropped | thresholds |\n|---|---|---|---|---|---|---|---|\n");
        foreach (var step in steps)
        {
            foreach (var s in step.Scenarios)
                md.AppendLine(CultureInfo.InvariantCulture, $"| {step.Rate:0.#}/s | {s.Name} | {s.AchievedRate:0.#}/s | {LoadVerdict.Ms(s.CorrectedMs["p50"])} | {LoadVerdict.Ms(s.CorrectedMs["p99"])} | {s.Errors} | {s.Dropped} | {(s.Thresholds.All(t => t.Passed) ? "✓" : "✗")} |");
        }

        md.Append("\nChart: capacity.svg (p99 per scenario against its asked rate).\n");
        File.WriteAllText(Path.Combine(directory, "capacity.md"), md.ToString());
        var series = steps.SelectMany(step => step.Scenarios).GroupBy(s => s.Name)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<(double Rate, double P99Ms)>)[.. g.Select(s => (s.AskedRate, s.CorrectedMs["p99"]))]);
        File.WriteAllText(Path.Combine(directory, "capacity.svg"), CapacityChart.Svg(series));
    }

    private static string Rate(double? rate) => rate is { } r ? $"{r:0.#}/s" : "—";

    private static string Broken(ScenarioCapacity c) =>
        c.BrokenThresholds.Count == 0 ? "—" : string.Join(", ", c.BrokenThresholds.Select(t => $"{t.Name} ({t.Actual})"));
}
