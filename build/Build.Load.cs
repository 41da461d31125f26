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
            var profile = LoadProfiles.From(Rate, RampTo, Warmup, LoadDuration, MaxInFlight, MaxLateness);
            var scenarios = ScenarioSelection.Pick(StackLoadScenarios.All(MaxP99), Scenarios);
            var url = StackAddress();
            using var handler = LoadGenerator.Handler(MaxInFlight);
            using var http = ModelSetup.Client(handler, EnvApiToken());
            await ModelSetup.EnsureTrainedAsync(http, url, Log, ct);

            Log.Info($"LoadTest: {url} — {string.Join(", ", scenarios.Select(s => s.Name))}");
            if (FindCapacity)
                await CapacitySearch.RunAsync(http, url, scenarios, profile, new CapacitySteps(StepDuration, StepFactor, MaxSteps), Reports, Log, ct);
            else
                await LoadTestRun.RunAsync(http, url, scenarios, profile, Reports, Log, ct);
        });

    Target LoadBenchmark => _ => _
        .Description("Benchmark: the generator alone against nginx's /healthz, as a share of what wrk reaches in the same run")
        .After(Up)
        .Executes(async ct => await LoadBenchmarkRun.RunAsync(StackAddress(), MaxInFlight, LoadDuration, MaxLateness, Log, ct));

    private ReportsFolder Reports => new(ReportsDirectory, RootDirectory);
}
