using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Runner;

public sealed class FailureTests
{
    private sealed class FailingBuild : BuildHost
    {
        public List<string> Ran { get; } = [];

        public Target Prepare => _ => _.Executes(() => Ran.Add(nameof(Prepare)));
        public Target Broken => _ => _.DependsOn(Prepare).Executes(() => throw new InvalidOperationException("disk is full"));
        public Target NeedsBroken => _ => _.DependsOn(Broken).Executes(() => Ran.Add(nameof(NeedsBroken)));
        public Target Independent => _ => _.After(Broken, Flaky).Executes(() => Ran.Add(nameof(Independent)));
        public Target Cleanup => _ => _.After(Independent).AssuredAfterFailure().Executes(() => Ran.Add(nameof(Cleanup)));
        public Target Flaky => _ => _.ProceedAfterFailure().Executes(() => throw new InvalidOperationException("flaked"));
        public Target NeedsFlaky => _ => _.DependsOn(Flaky).Executes(() => Ran.Add(nameof(NeedsFlaky)));
        public Target Hangs => _ => _.Executes(ct => Task.Delay(Timeout.Infinite, ct));
    }

    [Fact]
    public async Task A_failing_target_stops_the_rest_prints_its_message_and_exits_non_zero()
    {
        var build = new FailingBuild();
        var result = await BuildRun.RunAsync(build, x => x.Broken, ["NeedsBroken", "Independent"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(["Prepare"], build.Ran);
        Assert.Contains("Target Broken failed: disk is full", result.Output);
        Assert.Equal("Failed", result.StatusOf("Broken"));
        Assert.Equal("NotRun", result.StatusOf("NeedsBroken"));
        Assert.Equal("NotRun", result.StatusOf("Independent"));
        Assert.Contains("Build failed on ", result.Output);
        Assert.DoesNotContain("   at ", result.Output);
    }

    [Fact]
    public async Task The_stack_trace_appears_only_at_verbose()
    {
        var result = await BuildRun.RunAsync(new FailingBuild(), x => x.Broken, ["Broken", "--verbosity", "verbose"]);

        Assert.Contains("   at ", result.Output);
    }

    [Fact]
    public async Task AssuredAfterFailure_runs_even_after_a_failure()
    {
        var build = new FailingBuild();
        var result = await BuildRun.RunAsync(build, x => x.Broken, ["Broken", "Independent", "Cleanup"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(["Prepare", "Cleanup"], build.Ran);
        Assert.Equal("Succeeded", result.StatusOf("Cleanup"));
    }

    [Fact]
    public async Task ProceedAfterFailure_lets_independent_targets_run_but_not_its_dependents()
    {
        var build = new FailingBuild();
        var result = await BuildRun.RunAsync(build, x => x.Broken, ["Flaky", "NeedsFlaky", "Independent"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(["Independent"], build.Ran);
        Assert.Equal("NotRun", result.StatusOf("NeedsFlaky"));
        Assert.Contains("Build failed on ", result.Output);
    }

    [Fact]
    public async Task Cancelling_aborts_the_running_target_and_exits_130()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var result = await BuildRun.RunAsync(new FailingBuild(), x => x.Hangs, ["Hangs", "Cleanup"], ct: cancellation.Token);

        Assert.Equal(130, result.ExitCode);
        Assert.Equal("Aborted", result.StatusOf("Hangs"));
        Assert.Equal("Succeeded", result.StatusOf("Cleanup"));
    }

    [Fact]
    public async Task The_summary_has_a_row_per_target_a_total_and_the_verdict()
    {
        var result = await BuildRun.RunAsync(new FailingBuild(), x => x.Prepare, ["Prepare"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"Target\s+Status\s+Duration", result.Output);
        Assert.Matches(@"Prepare\s+Succeeded\s+(< 1sec|\d+:\d\d)", result.Output);
        Assert.Matches(@"Total\s+(< 1sec|\d+:\d\d)", result.Output);
        Assert.Matches(@"Build succeeded on \d+/\d+/\d{4} \d+:\d\d:\d\d\.", result.Output);
    }

    [Fact]
    public async Task An_unknown_target_fails_before_anything_runs_and_suggests_the_closest()
    {
        var build = new FailingBuild();
        var result = await BuildRun.RunAsync(build, x => x.Prepare, ["Prepare", "Clenup"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(build.Ran);
        Assert.Contains("Unknown target 'Clenup'. Did you mean Cleanup?", result.Output);
    }
}
