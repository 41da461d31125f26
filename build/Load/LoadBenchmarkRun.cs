using Mlstack.Build.Core;

namespace Mlstack.Build.Load;

/// <summary>LoadBenchmark: the generator alone against nginx's /healthz, as a share of what wrk reaches in the same
/// run — so the number says how much of a LoadTest's latency could be the generator's own.</summary>
public static class LoadBenchmarkRun
{
    /// <summary>The generator is asked for a little more than the floor it must reach, so it is not idle.</summary>
    private const double AskedShare = 0.55;
    private const double RequiredShare = 0.5;
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(10);

    public static async Task RunAsync(Uri stack, int maxInFlight, TimeSpan duration, TimeSpan maxLateness, BuildLog log, CancellationToken ct)
    {
        var url = new Uri(stack, "/healthz");
        var wrk = await WrkBaseline.MeasureAsync(url, maxInFlight, duration, log, ct);
        log.Info($"LoadBenchmark: wrk -t2 -c{maxInFlight}: {wrk:0} req/s");

        var profile = new LoadProfile(wrk * AskedShare, null, TimeSpan.FromSeconds(2), duration, maxInFlight, maxLateness);
        using var handler = LoadGenerator.Handler(maxInFlight);
        using var client = new HttpMessageInvoker(handler);
        var scenario = StackLoadScenarios.Static(url.AbsolutePath);
        var stats = (await new LoadGenerator(client, url).RunAsync([scenario], profile, Drain, ct)).Single();
        var summary = LoadVerdict.Summarise([scenario], [stats], profile).Single();
        var share = summary.AchievedRate / wrk;
        log.Report($"LoadBenchmark: wrk {wrk:0} req/s; generator asked {profile.Rate:0}/s, achieved {summary.AchievedRate:0}/s = {share:P0} of wrk; " +
            $"p50 {LoadVerdict.Ms(summary.CorrectedMs["p50"])}, p99 {LoadVerdict.Ms(summary.CorrectedMs["p99"])}, dropped {summary.Dropped}, late {summary.Late}, errors {summary.Errors}");
        Verdict(share);
    }

    public static void Verdict(double share)
    {
        if (share < RequiredShare)
            throw new LoadTestFailedException($"the generator sustained {share:P0} of wrk's rate; the target is at least 50%.");
    }
}
