using Mlstack.Build.Load;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Load;

/// <summary>The generator against a real HTTP server on loopback. Timing-based, so the assertions leave wide
/// margins, and they run in the serial collection, never beside an image build; the figures that matter are
/// printed by the benchmark, not asserted here.</summary>
[Collection(TimingTests.Name)]
public sealed class LoadGeneratorTests
{
    private static readonly Thresholds None = new(null, null, null, 1, 0, long.MaxValue);

    private static async Task<ScenarioStats> Run(StallingHttpServer server, LoadProfile profile, Func<Task>? during = null)
    {
        using var handler = LoadGenerator.Handler(profile.MaxInFlight);
        using var client = new HttpMessageInvoker(handler);
        var scenario = new LoadScenario("get", HttpMethod.Get, "/", null, 1, None);
        var run = new LoadGenerator(client, server.Url).RunAsync([scenario], profile, TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        if (during != null)
            await during();
        return (await run).Single();
    }

    [Fact]
    public async Task A_stall_shows_in_the_corrected_p99_while_the_uncorrected_view_hides_it()
    {
        await using var server = new StallingHttpServer();
        var profile = new LoadProfile(Rate: 200, RampTo: null, Warmup: TimeSpan.Zero, Duration: TimeSpan.FromSeconds(5), MaxInFlight: 4, MaxLateness: TimeSpan.FromSeconds(5));

        var stats = await Run(server, profile, async () =>
        {
            await Task.Delay(2000, TestContext.Current.CancellationToken);
            server.StallFor(TimeSpan.FromSeconds(1));
        });

        var corrected = stats.Corrected.GetValueAtPercentile(99) / 1000.0;
        var uncorrected = stats.Uncorrected.GetValueAtPercentile(99) / 1000.0;
        Assert.True(corrected >= 500, $"corrected p99 {corrected:0}ms should show the 1 s stall");
        Assert.True(uncorrected < corrected / 3, $"uncorrected p99 {uncorrected:0}ms should be far below corrected {corrected:0}ms");
        Assert.True(stats.Late > 50, $"requests scheduled during the stall are late: {stats.Late}");
        Assert.Equal(0, stats.Errors);
    }

    [Fact]
    public async Task An_unstalled_server_gets_the_asked_rate_with_nothing_dropped()
    {
        await using var server = new StallingHttpServer();
        var profile = new LoadProfile(100, null, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(2), 16, TimeSpan.FromSeconds(1));

        var stats = await Run(server, profile);

        Assert.InRange(stats.Requests, 190, 201);
        Assert.Equal(0, stats.Dropped);
        Assert.Equal(0, stats.Errors);
        Assert.Equal(200, stats.StatusCounts.Keys.Single());
    }

    [Fact]
    public async Task Requests_that_cannot_start_in_time_are_dropped_and_counted_not_silently_delayed()
    {
        await using var server = new StallingHttpServer();
        var profile = new LoadProfile(100, null, TimeSpan.Zero, TimeSpan.FromSeconds(3), MaxInFlight: 2, MaxLateness: TimeSpan.FromMilliseconds(200));

        var stats = await Run(server, profile, async () =>
        {
            await Task.Delay(500, TestContext.Current.CancellationToken);
            server.StallFor(TimeSpan.FromSeconds(1.5));
        });

        Assert.True(stats.Dropped > 50, $"dropped {stats.Dropped}");
        Assert.True(stats.Requests + stats.Dropped >= 290, $"every arrival is accounted for: {stats.Requests} + {stats.Dropped}");
    }
}

public sealed class LoadProfileTests
{
    [Fact]
    public void A_constant_rate_spaces_arrivals_evenly()
    {
        var profile = new LoadProfile(50, null, TimeSpan.Zero, TimeSpan.FromSeconds(10), 8, TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromMilliseconds(20), profile.IntendedTime(1));
        Assert.Equal(TimeSpan.FromSeconds(2), profile.IntendedTime(100));
        Assert.Equal(500, profile.AskedRequests);
    }

    [Fact]
    public void A_ramp_speeds_arrivals_up_linearly_after_the_warmup()
    {
        var profile = new LoadProfile(10, 30, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), 8, TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromSeconds(0.5), profile.IntendedTime(5)); // warmup at the starting rate
        // after 10 warmup arrivals, N(t) = 10t + t² → 200 arrivals by t = 10 s: the ramp's end
        Assert.Equal(11.0, profile.IntendedTime(210).TotalSeconds, precision: 6);
        Assert.Equal(200, profile.AskedRequests);
        var early = profile.IntendedTime(21) - profile.IntendedTime(20);
        var late = profile.IntendedTime(201) - profile.IntendedTime(200);
        Assert.True(late < early / 2, $"gaps shrink as the rate rises: {early} then {late}");
    }
}

public sealed class LoadVerdictTests
{
    [Fact]
    public void Thresholds_pass_and_fail_on_the_corrected_figures()
    {
        var scenario = new LoadScenario("predict", HttpMethod.Post, "/", null, 1,
            new Thresholds(TimeSpan.FromMilliseconds(10), null, TimeSpan.FromMilliseconds(100), 0.01, 0.95, 0));
        var profile = new LoadProfile(10, null, TimeSpan.Zero, TimeSpan.FromSeconds(10), 4, TimeSpan.FromSeconds(1));
        var stats = new ScenarioStats("predict", profile.Duration);
        for (var i = 0; i < 100; i++)
        {
            var intended = TimeSpan.FromSeconds(i / 10.0);
            var latency = i < 95 ? TimeSpan.FromMilliseconds(5) : TimeSpan.FromMilliseconds(400);
            stats.Record(intended, intended, intended + latency, 200, ok: true, late: false, TimeSpan.Zero);
        }

        var summary = LoadVerdict.Summarise([scenario], [stats], profile).Single();

        Assert.True(summary.Thresholds.Single(t => t.Name.StartsWith("p50", StringComparison.Ordinal)).Passed);
        Assert.False(summary.Thresholds.Single(t => t.Name.StartsWith("p99", StringComparison.Ordinal)).Passed);
        Assert.True(summary.Thresholds.Single(t => t.Name.StartsWith("rate", StringComparison.Ordinal)).Passed);
        Assert.Equal(10.0, summary.AchievedRate, precision: 6);
    }
}
