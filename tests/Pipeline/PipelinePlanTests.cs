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

    [Fact]
    public async Task The_backup_commands_plan_and_run_with_what_their_steps_give()
    {
        var workflows = GeneratedWorkflows.Generate(new DeployPipelineBuild());
        var steps = workflows.SelectMany(w => WorkflowSteps.BuildSteps(w.Key, w.Value)).ToList();
        var ran = new List<string>();

        foreach (var step in steps)
        {
            var plan = await BuildRun.RunAsync(new DeployPipelineBuild(), x => x.Deploy, [.. step.Arguments, "--plan"], step.Environment);
            Assert.True(plan.ExitCode == 0, $"{step}: {plan.Output}");

            // The targets are no-ops here, so running them proves the step's environment meets every Requires.
            var build = new DeployPipelineBuild();
            var run = await BuildRun.RunAsync(build, x => x.Deploy, [.. step.Arguments], step.Environment);
            Assert.True(run.ExitCode == 0, $"{step}: {run.Output}");
            Assert.DoesNotContain("secret-DEPLOY_SSH_KEY", run.Output);
            ran.AddRange(build.Ran);
        }

        Assert.Equal(
            ["Backup var-DEPLOY_HOST", "VerifyBackup var-DEPLOY_HOST", "Backup var-DEPLOY_HOST"],
            ran);
    }
}
