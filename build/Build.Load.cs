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
            var stats = await new LoadGenerator(http, url).RunAsync(scenarios, profile, TimeSpan.FromSeconds(10), ct);
            var summaries = LoadVerdict.Summarise(scenarios, stats, profile);
            LoadReport.Print(summaries, profile, Log);
            LoadReport.Write(ReportsDirectory, summaries, stats, profile);
            var failed = summaries.SelectMany(s => s.Thresholds).Where(t => !t.Passed).ToList();
            if (failed.Count > 0)
                throw new InvalidOperationException($"{failed.Count} threshold(s) failed: {string.Join("; ", failed.Select(t => $"{t.Scenario} {t.Name} ({t.Actual})"))}");
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
                throw new InvalidOperationException($"the generator sustained {share:P0} of wrk's rate; the target is at least 50%.");
        });

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
