using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Runner;

public sealed class SkipAndConditionTests
{
    private sealed class ConditionalBuild : BuildHost
    {
        public List<string> Ran { get; } = [];
        public bool DeployEnabled { get; set; }
        public bool PublishWanted { get; set; }

        public Target Images => _ => _.Executes(() => Ran.Add(nameof(Images)));
        public Target Migrate => _ => _.Executes(() => Ran.Add(nameof(Migrate)));
        public Target Deploy => _ => _.DependsOn(Images, Migrate).OnlyWhenStatic(() => DeployEnabled).Executes(() => Ran.Add(nameof(Deploy)));
        public Target DeployKeepingDependencies => _ => _.DependsOn(Images).OnlyWhenStatic(() => false).WhenSkipped(DependencyBehavior.Execute).Executes(() => Ran.Add("Keep"));
        public Target Smoke => _ => _.DependsOn(Images).Executes(() => Ran.Add(nameof(Smoke)));
        public Target Decide => _ => _.Executes(() => { Ran.Add(nameof(Decide)); PublishWanted = true; });
        public Target Publish => _ => _.After(Decide).OnlyWhenDynamic(() => PublishWanted).Executes(() => Ran.Add(nameof(Publish)));
    }

    [Fact]
    public async Task OnlyWhenStatic_false_skips_the_target_and_the_dependencies_only_it_needed()
    {
        var build = new ConditionalBuild();
        var result = await BuildRun.RunAsync(build, x => x.Deploy, ["Deploy"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(build.Ran);
        Assert.Equal("Skipped", result.StatusOf("Deploy"));
        Assert.Equal("Skipped", result.StatusOf("Images"));
    }

    [Fact]
    public async Task A_dependency_another_target_needs_still_runs()
    {
        var build = new ConditionalBuild();
        await BuildRun.RunAsync(build, x => x.Deploy, ["Deploy", "Smoke"]);

        Assert.Equal(["Images", "Smoke"], build.Ran);
    }

    [Fact]
    public async Task WhenSkipped_Execute_keeps_the_dependencies()
    {
        var build = new ConditionalBuild();
        await BuildRun.RunAsync(build, x => x.Deploy, ["DeployKeepingDependencies"]);

        Assert.Equal(["Images"], build.Ran);
    }

    [Fact]
    public async Task OnlyWhenStatic_true_runs_everything()
    {
        var build = new ConditionalBuild { DeployEnabled = true };
        await BuildRun.RunAsync(build, x => x.Deploy, ["Deploy"]);

        Assert.Equal(["Images", "Migrate", "Deploy"], build.Ran);
    }

    [Fact]
    public async Task OnlyWhenDynamic_is_decided_just_before_the_target_runs()
    {
        var alone = new ConditionalBuild();
        var skipped = await BuildRun.RunAsync(alone, x => x.Publish, ["Publish"]);
        Assert.Empty(alone.Ran);
        Assert.Equal("Skipped", skipped.StatusOf("Publish"));

        var afterDecide = new ConditionalBuild();
        await BuildRun.RunAsync(afterDecide, x => x.Publish, ["Decide", "Publish"]);
        Assert.Equal(["Decide", "Publish"], afterDecide.Ran);
    }

    [Fact]
    public async Task Skip_without_names_skips_every_target_that_was_not_named()
    {
        var build = new ConditionalBuild { DeployEnabled = true };
        var result = await BuildRun.RunAsync(build, x => x.Deploy, ["Deploy", "--skip"]);

        Assert.Equal(["Deploy"], build.Ran);
        Assert.Equal("Skipped", result.StatusOf("Images"));
    }

    [Fact]
    public async Task Skip_with_names_skips_just_those()
    {
        var build = new ConditionalBuild { DeployEnabled = true };
        await BuildRun.RunAsync(build, x => x.Deploy, ["Deploy", "--skip", "images"]);

        Assert.Equal(["Migrate", "Deploy"], build.Ran);
    }

    [Fact]
    public async Task Plan_shows_why_a_target_is_skipped()
    {
        var result = await BuildRun.RunAsync(new ConditionalBuild(), x => x.Deploy, ["Deploy", "Smoke", "--plan"]);

        Assert.Matches(@"Deploy\s+invoked\s+\[skipped: condition false\]", result.Output);
        Assert.Matches(@"Migrate\s+dependency of Deploy\s+\[skipped: only skipped targets need it\]", result.Output);
        Assert.DoesNotMatch(@"Images.*skipped", result.Output);
    }
}

public sealed class RequiresTests
{
    private sealed class DeployBuild : BuildHost
    {
        [Parameter("Where to deploy")] public string? Host;
        [Parameter("Release to deploy")] public string? Version;
        public List<string> Ran { get; } = [];

        public Target Package => _ => _.Executes(() => Ran.Add(nameof(Package)));
        public Target Deploy => _ => _.DependsOn(Package).Requires(() => Host, () => Version).Executes(() => Ran.Add(nameof(Deploy)));
    }

    [Fact]
    public async Task Missing_required_parameters_fail_before_any_target_runs_and_are_all_named()
    {
        var build = new DeployBuild();
        var result = await BuildRun.RunAsync(build, x => x.Deploy, ["Deploy"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(build.Ran);
        Assert.Contains("Deploy needs --host", result.Output);
        Assert.Contains("Deploy needs --version", result.Output);
    }

    [Fact]
    public async Task Given_parameters_satisfy_the_requirement()
    {
        var build = new DeployBuild();
        var result = await BuildRun.RunAsync(build, x => x.Deploy, ["Deploy", "--host", "vm1", "--version", "1.2"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["Package", "Deploy"], build.Ran);
    }
}
