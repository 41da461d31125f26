using System.Diagnostics;
using System.Xml.Linq;
using Mlstack.Build.Smoke;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Smoke;

public sealed class SmokeRunnerTests
{
    private sealed record Fixed(string Service, string Name, Func<CancellationToken, Task> Body) : SmokeCheck(Service, Name)
    {
        public override Task RunAsync(SmokeContext context, CancellationToken ct) => Body(ct);
    }

    private static readonly SmokeContext Context = new(new HttpClient(), new Uri("http://stack.invalid"), null!);

    [Fact]
    public async Task A_service_without_any_check_fails_by_name()
    {
        var outcomes = await SmokeRunner.RunAsync([new Fixed("redis", "ping", _ => Task.CompletedTask)], ["redis", "search"], Context, CancellationToken.None);

        var missing = Assert.Single(outcomes, o => o.Result == CheckResult.Failed);
        Assert.Equal("search", missing.Check.Service);
        Assert.Equal("no smoke check for search", missing.Got);
    }

    [Fact]
    public async Task A_failing_check_reports_what_it_expected_and_what_it_got()
    {
        var check = new Fixed("postgres", "SELECT 1", _ => throw new CheckFailedException("1", "ERROR: relation does not exist"));

        var outcome = Assert.Single(await SmokeRunner.RunAsync([check], ["postgres"], Context, CancellationToken.None));

        Assert.Equal((CheckResult.Failed, "1", "ERROR: relation does not exist"), (outcome.Result, outcome.Expected, outcome.Got));
    }

    [Fact]
    public async Task Checks_run_in_parallel_and_each_has_its_own_timeout()
    {
        var slow = new Fixed("a", "slow", ct => Task.Delay(TimeSpan.FromSeconds(30), ct)) { Timeout = TimeSpan.FromMilliseconds(300) };
        var others = Enumerable.Range(0, 5).Select(i => new Fixed("b", $"wait {i}", ct => Task.Delay(400, ct))).ToList<SmokeCheck>();
        var clock = Stopwatch.StartNew();

        var outcomes = await SmokeRunner.RunAsync([slow, .. others], ["a", "b"], Context, CancellationToken.None);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"took {clock.Elapsed}: not parallel");
        var timedOut = outcomes.Single(o => o.Check.Name == "slow");
        Assert.Equal(("an answer within 0.3s", "timed out"), (timedOut.Expected, timedOut.Got));
        Assert.All(outcomes.Where(o => o.Check.Service == "b"), o => Assert.Equal(CheckResult.Passed, o.Result));
    }

    [Fact]
    public async Task Flows_start_only_once_every_probe_has_finished()
    {
        var probesDone = 0;
        var seenByFlow = -1;
        SmokeCheck[] checks =
        [
            new Fixed("a", "flow", _ => { seenByFlow = Volatile.Read(ref probesDone); return Task.CompletedTask; }) { IsFlow = true },
            .. Enumerable.Range(0, 3).Select(i => new Fixed("b", $"probe {i}", async ct => { await Task.Delay(100 * (i + 1), ct); Interlocked.Increment(ref probesDone); })),
        ];

        var outcomes = await SmokeRunner.RunAsync(checks, ["a", "b"], Context, CancellationToken.None);

        Assert.All(outcomes, o => Assert.Equal(CheckResult.Passed, o.Result));
        Assert.Equal(3, seenByFlow);
    }

    [Fact]
    public async Task The_JUnit_report_has_a_case_per_check_with_failures_and_masked_secrets()
    {
        var outcomes = await SmokeRunner.RunAsync(
            [new Fixed("redis", "ping", _ => Task.CompletedTask), new Fixed("postgres", "login", _ => throw new CheckFailedException("a session", "password hunter22 refused"))],
            ["redis", "postgres"], Context, CancellationToken.None);
        using var root = new TempRoot();
        var path = Path.Combine(root.Path, "smoke.xml");

        SmokeReport.WriteJUnit(outcomes, path, text => text.Replace("hunter22", "***", StringComparison.Ordinal));

        var xml = XDocument.Load(path);
        Assert.Equal(2, xml.Descendants("testcase").Count());
        var failure = Assert.Single(xml.Descendants("failure"));
        Assert.Equal("expected a session; got password *** refused", failure.Attribute("message")!.Value);
        Assert.Equal("smoke.postgres", failure.Parent!.Attribute("classname")!.Value);
    }

    [Fact]
    public void A_data_only_stack_runs_the_checks_that_need_nothing_else_and_the_whole_stack_runs_them_all()
    {
        var all = StackSmokeChecks.All();
        var dataOnly = SmokeRunner.RunnableIn(all, ["postgres", "redis", "objectstore"]);
        Assert.Equal(["postgres", "redis"], dataOnly.Select(c => c.Service).Distinct());
        Assert.DoesNotContain(dataOnly, c => c is S3Check); // it runs from ml-service

        var withoutEdge = SmokeRunner.RunnableIn(all, [.. all.Select(c => c.Service).Distinct().Where(s => s != SmokeContext.Entry)]);
        Assert.DoesNotContain(withoutEdge, c => c is HttpCheck or TcpCheck or StudyFlow or TrainPredictFlow);
        Assert.Equal(all.Count, SmokeRunner.RunnableIn(all, [.. all.Select(c => c.Service).Distinct()]).Count);
    }
}
