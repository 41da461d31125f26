using Mlstack.Build.Core;

namespace Mlstack.Build.Load;

/// <summary>One LoadTest run at a fixed (or ramped) rate: load, the summary per scenario, the reports, the verdict.</summary>
public static class LoadTestRun
{
    /// <summary>How long a request still in flight at the end may take before it counts as an error.</summary>
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(10);

    public static async Task RunAsync(HttpClient http, Uri url, IReadOnlyList<LoadScenario> scenarios, LoadProfile profile, ReportsFolder reports, BuildLog log, CancellationToken ct)
    {
        var stats = await new LoadGenerator(http, url).RunAsync(scenarios, profile, Drain, ct);
        var summaries = LoadVerdict.Summarise(scenarios, stats, profile);
        LoadReport.Print(summaries, profile, log);
        LoadReport.Write(reports.Directory, summaries, stats, profile);
        Verdict(summaries);
        log.Success($"LoadTest: every threshold passed; reports in {reports.Shown}/load.*");
    }

    /// <summary>The exit code: every failed threshold is named, so one line says what to look at.</summary>
    public static void Verdict(IReadOnlyList<ScenarioSummary> summaries)
    {
        var failed = summaries.SelectMany(s => s.Thresholds).Where(t => !t.Passed).ToList();
        if (failed.Count > 0)
            throw new LoadTestFailedException($"{failed.Count} threshold(s) failed: {string.Join("; ", failed.Select(t => $"{t.Scenario} {t.Name} ({t.Actual})"))}");
    }
}
