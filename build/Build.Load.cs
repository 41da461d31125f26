using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Load;

namespace Mlstack.Build;

internal sealed partial class Build
{
    [Parameter("LoadTest: arrivals per second (open model: sent on schedule whatever the server does)")]
    private readonly double Rate = 20;

    [Parameter("LoadTest: ramp the rate linearly from --rate to this over the measured part")]
    private readonly double? RampTo;

    [Parameter("LoadTest: length of the measured part", Name = "Duration")]
    private readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(20);

    [Parameter("LoadTest: load before measuring starts")]
    private readonly TimeSpan Warmup = TimeSpan.FromSeconds(5);

    [Parameter("LoadTest: requests (and connections) in flight at most; past it requests are late, then dropped")]
    private readonly int MaxInFlight = 32;

    [Parameter("LoadTest: how late a request may start before it is dropped")]
    private readonly TimeSpan MaxLateness = TimeSpan.FromSeconds(2);

    [Parameter("LoadTest: one p99 limit for every scenario")]
    private readonly TimeSpan? MaxP99;

    [Parameter("LoadTest: only these scenarios (predict, health)")]
    private readonly string[] Scenarios = [];

    [Parameter("LoadTest: step the rate up from --rate until each scenario's thresholds break; report the highest rate that held (the knee)")]
    private readonly bool FindCapacity;

    [Parameter("LoadTest --find-capacity: length of each step's measured part (after a 2s warmup)")]
    private readonly TimeSpan StepDuration = TimeSpan.FromSeconds(5);

    [Parameter("LoadTest --find-capacity: each step asks this many times the previous step's rate")]
    private readonly double StepFactor = 1.5;

    [Parameter("LoadTest --find-capacity: at most this many steps")]
    private readonly int MaxSteps = 12;

    Target LoadTest => _ => _
        .Description("Open-model load through the frontend; thresholds decide the exit code; JSON, Markdown and SVG in .nuke/temp/reports")
        .After(Up, SmokeTest)
        .Executes(async ct =>
        {
            var profile = Profile();
            var scenarios = StackLoadScenarios.All(MaxP99).Where(s => Scenarios.Length == 0 || Scenarios.Contains(s.Name, StringComparer.OrdinalIgnoreCase)).ToList();
            if (scenarios.Count == 0)
                throw new BuildInputException($"--scenarios {string.Join(' ', Scenarios)}: none of these exists; choose from predict, health.");
            var url = StackAddress();
            using var handler = LoadGenerator.Handler(MaxInFlight);
            using var http = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(30) };
            await ModelSetup.EnsureTrainedAsync(http, url, Log, ct);

            Log.Info($"LoadTest: {url} — {string.Join(", ", scenarios.Select(s => s.Name))}");
            if (FindCapacity)
            {
                await FindCapacityAsync(http, url, scenarios, profile, ct);
                return;
            }

            var stats = await new LoadGenerator(http, url).RunAsync(scenarios, profile, TimeSpan.FromSeconds(10), ct);
            var summaries = LoadVerdict.Summarise(scenarios, stats, profile);
            LoadReport.Print(summaries, profile, Log);
            LoadReport.Write(ReportsDirectory, summaries, stats, profile);
            var failed = summaries.SelectMany(s => s.Thresholds).Where(t => !t.Passed).ToList();
            if (failed.Count > 0)
                throw new LoadTestFailedException($"{failed.Count} threshold(s) failed: {string.Join("; ", failed.Select(t => $"{t.Scenario} {t.Name} ({t.Actual})"))}");
            Log.Success($"LoadTest: every threshold passed; reports in {Path.GetRelativePath(RootDirectory, ReportsDirectory)}/load.*");
        });

    Target LoadBenchmark => _ => _
        .Description("Benchmark: the generator alone against nginx's /healthz, as a share of what wrk reaches in the same run")
        .After(Up)
        .Executes(async ct =>
        {
            var url = new Uri(StackAddress(), "/healthz");
            var wrk = await WrkBaseline.MeasureAsync(url, MaxInFlight, LoadDuration, Log, ct);
            Log.Info($"LoadBenchmark: wrk -t2 -c{MaxInFlight}: {wrk:0} req/s");

            var profile = new LoadProfile(wrk * 0.55, null, TimeSpan.FromSeconds(2), LoadDuration, MaxInFlight, MaxLateness);
            using var handler = LoadGenerator.Handler(MaxInFlight);
            using var client = new HttpMessageInvoker(handler);
            var scenario = StackLoadScenarios.Static(url.AbsolutePath);
            var stats = (await new LoadGenerator(client, url).RunAsync([scenario], profile, TimeSpan.FromSeconds(10), ct)).Single();
            var summary = LoadVerdict.Summarise([scenario], [stats], profile).Single();
            var share = summary.AchievedRate / wrk;
            Log.Report($"LoadBenchmark: wrk {wrk:0} req/s; generator asked {profile.Rate:0}/s, achieved {summary.AchievedRate:0}/s = {share:P0} of wrk; " +
                $"p50 {LoadVerdict.Ms(summary.CorrectedMs["p50"])}, p99 {LoadVerdict.Ms(summary.CorrectedMs["p99"])}, dropped {summary.Dropped}, late {summary.Late}, errors {summary.Errors}");
            if (share < 0.5)
                throw new LoadTestFailedException($"the generator sustained {share:P0} of wrk's rate; the target is at least 50%.");
        });

    /// <summary>The knee per scenario: it is a report, not a verdict — it fails only when a scenario broke at the first step.</summary>
    private async Task FindCapacityAsync(HttpClient http, Uri url, IReadOnlyList<LoadScenario> scenarios, LoadProfile profile, CancellationToken ct)
    {
        if (StepFactor <= 1 || MaxSteps < 1 || StepDuration <= TimeSpan.Zero)
            throw new BuildInputException($"--step-factor {StepFactor} / --max-steps {MaxSteps} / --step-duration {StepDuration}: the factor must be above 1, at least 1 step, and a positive duration.");
        Log.Info($"LoadTest: finding capacity from {profile.Rate:0.#}/s, ×{StepFactor:0.##} per step, {StepDuration.TotalSeconds:0}s each (+2s warmup), at most {MaxSteps} steps");
        async Task<IReadOnlyList<ScenarioSummary>> Step(double rate, CancellationToken token)
        {
            var step = profile with { Rate = rate, RampTo = null, Warmup = TimeSpan.FromSeconds(2), Duration = StepDuration };
            return LoadVerdict.Summarise(scenarios, await new LoadGenerator(http, url).RunAsync(scenarios, step, TimeSpan.FromSeconds(10), token), step);
        }

        var (steps, capacities) = await CapacityFinder.FindAsync(scenarios, profile.Rate, StepFactor, MaxSteps, Step, s => CapacityReport.PrintStep(s, Log), ct);
        CapacityReport.Write(ReportsDirectory, steps, capacities);
        foreach (var capacity in capacities)
            Log.Report($"LoadTest: {CapacityReport.Describe(capacity)}");
        if (capacities.Any(c => c.HeldRate == null))
            throw new LoadTestFailedException($"below the starting rate {profile.Rate:0.#}/s already: {string.Join("; ", capacities.Where(c => c.HeldRate == null).Select(CapacityReport.Describe))}");
        Log.Success($"LoadTest: capacity found; reports in {Path.GetRelativePath(RootDirectory, ReportsDirectory)}/capacity.*");
    }

    private LoadProfile Profile()
    {
        if (Rate <= 0 || RampTo <= 0)
            throw new BuildInputException($"--rate {Rate}: the arrival rate must be above 0 per second.");
        if (LoadDuration <= TimeSpan.Zero || Warmup < TimeSpan.Zero)
            throw new BuildInputException($"--duration {LoadDuration} / --warmup {Warmup}: the duration must be above 0 and the warmup not negative.");
        if (MaxInFlight < 1)
            throw new BuildInputException($"--max-in-flight {MaxInFlight}: at least 1 request must be allowed in flight.");
        return new LoadProfile(Rate, RampTo, Warmup, LoadDuration, MaxInFlight, MaxLateness);
    }
}
