namespace Mlstack.Tests.Support;

/// <summary>The probe the zero-downtime deploy tests send their traffic with, against a real HTTP server on loopback.
/// Timing-based, so they run in the serial collection and assert with wide margins: the probe must see a stall or
/// an error status for what it is, and keep its rate through it.</summary>
[Collection(TimingTests.Name)]
public sealed class TrafficProbeTests
{
    private static readonly ProbeRequest[] Kinds = [ProbeRequest.Get("/api/health"), ProbeRequest.Get("/"), ProbeRequest.Post("/api/predict", """{"inputs":[1,2,3]}""")];

    private static Task Pause(double seconds) => Task.Delay(TimeSpan.FromSeconds(seconds), TestContext.Current.CancellationToken);

    private static void Show(TrafficReport report) => TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());

    [Fact]
    public async Task A_healthy_server_gets_the_asked_rate_and_nothing_fails()
    {
        await using var server = new StallingHttpServer();
        await using var probe = TrafficProbe.Start(server.Url, Kinds, rate: 50);

        await Pause(2);
        var report = await probe.StopAsync();
        Show(report);

        Assert.InRange(report.Total, 80, 120);
        Assert.Equal(0, report.Failed);
        Assert.Empty(report.Failures);
        Assert.InRange(report.AchievedRate, 40, 60);
        Assert.Equal(Kinds.Select(k => k.Kind).Order(), report.Outcomes.Select(o => o.Kind).Distinct().Order());
        Assert.All(report.Outcomes, o => Assert.Equal(200, o.Status));
        Assert.True(report.MaxLatency < TimeSpan.FromSeconds(2), report.ToString());
    }

    [Fact]
    public async Task A_stall_longer_than_the_timeout_shows_as_failures_while_the_rate_holds()
    {
        await using var server = new StallingHttpServer();
        await using var probe = TrafficProbe.Start(server.Url, Kinds, rate: 50, timeout: TimeSpan.FromSeconds(0.5));

        await Pause(0.5);
        var stalled = probe.Mark("stall");
        server.StallFor(TimeSpan.FromSeconds(1.5));
        await Pause(2.5);
        var report = await probe.StopAsync();
        Show(report);

        // requests started in the stall's first second get no answer within 0.5 s: about 50 of them
        Assert.True(report.Failed >= 20, report.ToString());
        Assert.Contains("timeout", report.Failures[0], StringComparison.Ordinal);
        Assert.Equal(20, report.Failures.Count);
        Assert.Contains("stall", report.ToString(), StringComparison.Ordinal);
        // open loop: about 75 requests were due in the stall and they were sent, not held back until it ended
        var during = report.Window(stalled, stalled + TimeSpan.FromSeconds(1.5));
        Assert.True(during.Total >= 55, report.ToString());
        Assert.InRange(report.AchievedRate, 40, 60);
        // a request sent just before the mark may reach the server after the stall began: hence the margins
        Assert.Equal(0, report.Window(report.From, stalled - TimeSpan.FromSeconds(0.2)).Failed);
        Assert.Equal(0, report.Window(stalled + TimeSpan.FromSeconds(1.8), report.To).Failed); // and it recovered
    }

    [Fact]
    public async Task An_error_status_for_a_while_shows_as_failures_with_the_status()
    {
        await using var server = new StallingHttpServer();
        await using var probe = TrafficProbe.Start(server.Url, Kinds, rate: 50);

        await Pause(0.5);
        var broken = probe.Mark("upstream gone");
        server.AnswerFor(502, TimeSpan.FromSeconds(1));
        await Pause(1.5);
        var report = await probe.StopAsync();
        Show(report);

        Assert.InRange(report.Failed, 25, 75); // about 50: one second of them
        Assert.All(report.Failures, f => Assert.EndsWith(" 502", f, StringComparison.Ordinal));
        Assert.All(report.Outcomes.Where(o => o.Failed), o => Assert.Equal(502, o.Status));
        Assert.Equal(0, report.Window(report.From, broken - TimeSpan.FromSeconds(0.2)).Failed);
        Assert.Equal(0, report.Window(broken + TimeSpan.FromSeconds(1.2), report.To).Failed);
    }

    [Fact]
    public void A_window_has_the_figures_of_the_requests_started_in_it()
    {
        var start = new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var outcomes = Enumerable.Range(0, 100).Select(i => new ProbeOutcome("GET /", start.AddMilliseconds(i * 100),
            TimeSpan.FromMilliseconds(i is >= 50 and < 60 ? 3000 : 10), i is >= 50 and < 60 ? null : 200,
            i is >= 50 and < 60 ? "timeout: no full answer in 3 s" : null));
        var report = TrafficReport.Of(outcomes, [new ProbeMark(start.AddSeconds(5), "switch")], start, start.AddSeconds(10));

        Assert.Equal((100, 10, 10.0), (report.Total, report.Failed, report.AchievedRate));
        Assert.Equal(TimeSpan.FromMilliseconds(3000), report.MaxLatency);
        Assert.Equal((TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(3000)), (report.P50, report.P99));
        Assert.Equal("12:00:05.000 (+5.00 s) GET / timeout: no full answer in 3 s", report.Failures[0]);

        var steady = report.Window(start, start.AddSeconds(5));
        Assert.Equal((50, 0, TimeSpan.FromMilliseconds(10)), (steady.Total, steady.Failed, steady.P99));
        var during = report.Window(start.AddSeconds(4.5), start.AddSeconds(6.5));
        Assert.Equal((20, 10, 10.0), (during.Total, during.Failed, during.AchievedRate));
        Assert.Equal("switch", during.Marks.Single().Label);
        Assert.Contains("mark 12:00:05.000 (+5.00 s) switch", during.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, report.Window(start.AddSeconds(20), start.AddSeconds(30)).AchievedRate);
    }
}
