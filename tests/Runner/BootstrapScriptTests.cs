using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Runner;

/// <summary>The real ./build.sh and build program, as a user runs them.</summary>
public sealed class BootstrapScriptTests
{
    private static Task<ProcessResult> BuildSh(params string[] args) =>
        ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), args);

    [Fact]
    public async Task Help_lists_the_real_targets_and_parameters()
    {
        var result = await BuildSh("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"Doctor\s+Finds a Docker Engine", result.Output);
        Assert.Matches(@"Test \(default\)\s+Runs every tier.* -> Doctor, Images", result.Output);
        Assert.Matches(@"UnitTest\s+Runs the unit tier: no Docker Engine", result.Output);
        Assert.Contains("--test-filter <value>", result.Output);
    }

    [Fact]
    public async Task Plan_prints_the_order_and_runs_nothing()
    {
        var result = await BuildSh("IntegrationTest", "UnitTest", "--plan");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"1\. Doctor\s+dependency of IntegrationTest", result.Output);
        Assert.Matches(@"4\. Images\s+dependency of IntegrationTest\s+5\. IntegrationTest\s+invoked\s+6\. UnitTest\s+invoked", result.Output);
        Assert.DoesNotContain("Build succeeded", result.Output);
    }

    [Fact]
    public async Task An_unknown_target_exits_1_with_a_suggestion()
    {
        var result = await BuildSh("Doctr");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Unknown target 'Doctr'. Did you mean Doctor? Run --help for the list.", result.Output.Trim());
    }

    [Fact]
    public async Task A_bad_parameter_value_exits_1_naming_it()
    {
        var result = await BuildSh("Doctor", "--verbosity", "loud");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Parameter --verbosity (command line): 'loud' is not valid; expected one of quiet, minimal, normal, verbose.", result.Output.Trim());
    }

    [Fact]
    public async Task A_failing_target_prints_its_message_and_the_summary_and_exits_non_zero()
    {
        var result = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Doctor"],
            new Dictionary<string, string?> { ["DOCKER_HOST"] = "tcp://127.0.0.1:1" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Target Doctor failed: No Docker Engine answers at tcp://127.0.0.1:1/ (DOCKER_HOST: Connection refused); start it there or unset DOCKER_HOST.", result.Output);
        Assert.Matches(@"Doctor\s+Failed", result.Output);
        Assert.Contains("Build failed on ", result.Output);
    }

    [Fact]
    public async Task The_script_works_from_another_folder()
    {
        var result = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["--plan"], workingDirectory: Path.GetTempPath());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Test", result.Output);
    }

    [Fact]
    public void The_committed_schema_matches_the_declared_parameters()
    {
        var build = new Mlstack.Build.Build();
        var generated = SchemaWriter.Generate(BuildParameter.Discover(build), TargetDiscovery.Discover(build));
        var committed = File.ReadAllText(Path.Combine(RepositoryRoot.Path, ".nuke", "build.schema.json"));

        Assert.Equal(generated + "\n", committed);
        Assert.Contains("\"TestFilter\"", committed);
        Assert.DoesNotContain("\"Help\"", committed);
    }
}
