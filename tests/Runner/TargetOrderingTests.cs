using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Runner;

public sealed class TargetOrderingTests
{
    private static async Task<(RunResult Result, List<string> Ran)> Run(params string[] args)
    {
        var build = new OrderingBuild();
        var result = await BuildRun.RunAsync(build, x => x.All, args);
        return (result, build.Ran);
    }

    [Fact]
    public async Task DependsOn_runs_dependencies_first_and_DependentFor_pulls_itself_in_before()
    {
        var (result, ran) = await Run("Compile");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["Restore", "Lint", "Compile"], ran);
    }

    [Fact]
    public async Task After_orders_only_when_both_are_planned()
    {
        var (_, alone) = await Run("Pack");
        Assert.DoesNotContain("Test", alone);

        var (_, both) = await Run("Pack", "Test");
        Assert.True(both.IndexOf("Test") < both.IndexOf("Pack"), string.Join(",", both));
    }

    [Fact]
    public async Task Before_orders_only_when_both_are_planned()
    {
        var (_, alone) = await Run("Compile");
        Assert.DoesNotContain("Clean", alone);

        var (_, both) = await Run("Compile", "Clean");
        Assert.Equal(["Clean", "Restore", "Lint", "Compile"], both);
    }

    [Fact]
    public async Task Triggers_and_TriggeredBy_pull_targets_in_to_run_afterwards()
    {
        var (_, ran) = await Run("Publish");
        Assert.Equal(["Restore", "Lint", "Compile", "Pack", "Publish", "Notify", "Announce"], ran);
    }

    [Fact]
    public async Task Component_targets_are_found_and_referenced_through_their_interface()
    {
        var (result, ran) = await Run("release");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["Announce", "Release"], ran);
    }

    [Fact]
    public async Task No_target_named_runs_the_default_and_names_ignore_case_and_dashes()
    {
        var (_, byDefault) = await Run();
        Assert.Equal(["Restore", "Lint", "Compile", "Test", "Pack", "Announce"], byDefault);

        var (_, byOption) = await Run("--target", "re-store");
        Assert.Equal(["Restore"], byOption);
    }

    [Fact]
    public async Task Plan_is_deterministic_explains_each_target_and_runs_nothing()
    {
        var (first, ran) = await Run("Publish", "--plan");
        var (second, _) = await Run("Publish", "--plan");

        Assert.Empty(ran);
        Assert.Equal(first.Output, second.Output);
        Assert.Contains("Publish", first.Output);
        Assert.Matches(@"Restore\s+dependency of Compile", first.Output);
        Assert.Matches(@"Lint\s+dependent for Compile", first.Output);
        Assert.Matches(@"Notify\s+triggered by Publish", first.Output);
        Assert.Matches(@"Publish\s+invoked", first.Output);
    }
}

public sealed class CycleTests
{
    private sealed class CyclicBuild : BuildHost
    {
        public Target A => _ => _.DependsOn(B).Executes(() => { });
        public Target B => _ => _.DependsOn(C).Executes(() => { });
        public Target C => _ => _.After(A).Executes(() => { });
        public Target Unrelated => _ => _.Executes(() => { });
    }

    [Fact]
    public async Task A_cycle_fails_before_anything_runs_and_names_its_path()
    {
        var result = await BuildRun.RunAsync(new CyclicBuild(), x => x.Unrelated, ["A"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Circular dependency between targets: A -> B -> C -> A.", result.Output);
        Assert.DoesNotContain("Build succeeded", result.Output);
    }

    [Fact]
    public async Task A_cycle_is_reported_even_when_the_invoked_target_is_outside_it()
    {
        var result = await BuildRun.RunAsync(new CyclicBuild(), x => x.Unrelated, []);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Circular dependency", result.Output);
    }
}
