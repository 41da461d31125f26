using Mlstack.Build.Stack;

namespace Mlstack.Tests.Stack;

/// <summary>The canary's verdict from the edge's access-log lines, by value.</summary>
public sealed class CanaryJudgeTests
{
    private static readonly HashSet<string> New = ["10.0.0.9"];
    private static readonly HashSet<string> Old = ["10.0.0.5"];

    private static IEnumerable<string> Lines(string address, int count, int errors, double seconds, double start = 100) =>
        Enumerable.Range(0, count).Select(i => $"2026-12-05T00:00:00Z stdout edge {start + (i * 0.01):0.000} {(i < errors ? 500 : 200)} {seconds:0.000} \"{address}:8000\" \"GET /runs HTTP/1.1\"");

    [Fact]
    public void A_new_copy_failing_a_tenth_of_its_requests_against_an_old_one_that_fails_none_regressed()
    {
        var verdict = CanaryJudge.Judge([.. Lines("10.0.0.9", 50, 5, 0.01), .. Lines("10.0.0.5", 450, 0, 0.01)], New, Old, 0, 1000);

        Assert.True(verdict.Regressed);
        Assert.Equal(new CanaryFigures(50, 5, TimeSpan.FromMilliseconds(10)), verdict.New);
        Assert.Equal(450, verdict.Old.Requests);
        Assert.Equal("5xx rate regressed beyond 1%: new copy 50 requests, 5 5xx (10.0%), p99 10 ms; old 450 requests, 0 5xx (0.0%), p99 10 ms", verdict.Why);
    }

    [Fact]
    public void One_stray_error_or_the_same_rate_as_the_old_copies_is_within_the_margin()
    {
        Assert.False(CanaryJudge.Judge([.. Lines("10.0.0.9", 200, 1, 0.01), .. Lines("10.0.0.5", 1800, 0, 0.01)], New, Old, 0, 1000).Regressed);
        Assert.False(CanaryJudge.Judge([.. Lines("10.0.0.9", 100, 5, 0.01), .. Lines("10.0.0.5", 900, 45, 0.01)], New, Old, 0, 1000).Regressed);
    }

    [Fact]
    public void A_p99_beyond_twice_the_old_ones_plus_slack_regressed_and_within_it_did_not()
    {
        var slow = CanaryJudge.Judge([.. Lines("10.0.0.9", 100, 0, 0.400), .. Lines("10.0.0.5", 900, 0, 0.100)], New, Old, 0, 1000);
        var close = CanaryJudge.Judge([.. Lines("10.0.0.9", 100, 0, 0.250), .. Lines("10.0.0.5", 900, 0, 0.100)], New, Old, 0, 1000);

        Assert.True(slow.Regressed);
        Assert.StartsWith("p99 regressed", slow.Why);
        Assert.False(close.Regressed);
    }

    [Fact]
    public void Too_little_traffic_is_said_and_does_not_block()
    {
        var verdict = CanaryJudge.Judge([.. Lines("10.0.0.9", 5, 5, 0.01), .. Lines("10.0.0.5", 50, 0, 0.01)], New, Old, 0, 1000);

        Assert.False(verdict.Regressed);
        Assert.StartsWith("too little traffic to judge", verdict.Why);
    }

    [Fact]
    public void Only_the_window_counts_and_lines_that_are_not_proxied_requests_are_skipped()
    {
        string[] noise = ["edge 150.000 200 0.000 \"-\" \"GET /healthz HTTP/1.1\"", "2026/12/05 00:00:00 [warn] 7#7: something", "edge garbage"];
        var before = Lines("10.0.0.9", 100, 100, 0.01, start: 10);
        var verdict = CanaryJudge.Judge([.. before, .. noise, .. Lines("10.0.0.9", 40, 0, 0.01), .. Lines("10.0.0.5", 40, 0, 0.01)], New, Old, 50, 1000);

        Assert.Equal(40, verdict.New.Requests);
        Assert.Equal(0, verdict.New.ServerErrors);
        Assert.False(verdict.Regressed);
    }

    [Fact]
    public void After_a_retry_the_copy_that_answered_last_is_the_one_that_counts()
    {
        var retried = "edge 100.000 502 0.020 \"10.0.0.5:8000, 10.0.0.9:8000\" \"GET /runs HTTP/1.1\"";
        var verdict = CanaryJudge.Judge([retried, .. Lines("10.0.0.9", 30, 0, 0.01), .. Lines("10.0.0.5", 30, 0, 0.01)], New, Old, 0, 1000);

        Assert.Equal((31, 1), (verdict.New.Requests, verdict.New.ServerErrors));
        Assert.Equal(30, verdict.Old.Requests);
    }
}
