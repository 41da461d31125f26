using Mlstack.Tests.Support;

namespace Mlstack.Tests.Pipeline;

/// <summary>Every ./build.sh command a workflow runs is one the build accepts: with the step's environment (each
/// ${{ … }} replaced by a stand-in) it plans without an error.</summary>
public sealed class PipelinePlanTests
{
    [Fact]
    public async Task Every_build_command_of_the_committed_workflows_plans_with_the_environment_its_step_gives()
    {
        var steps = GeneratedWorkflows.CommittedFiles()
            .SelectMany(f => WorkflowSteps.BuildSteps(Path.GetFileName(f), File.ReadAllText(f))).ToList();
        Assert.NotEmpty(steps);

        foreach (var step in steps)
        {
            var result = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), [.. step.Arguments, "--plan"],
                step.Environment.ToDictionary(e => e.Key, e => (string?)e.Value));

            Assert.True(result.ExitCode == 0, $"{step}: {result.Output}");
            foreach (var target in step.Arguments.Where(a => !a.StartsWith('-')))
                Assert.Matches($@"\d+\. {target}\s+invoked", result.Output);
        }
    }
}
