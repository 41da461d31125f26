using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Stack;

/// <summary>ml-service's Python unit tests run in the ml-service image, where Celery and Optuna are (the host's python3
/// has neither, so AutoscalerPolicyTests skips the tests that need them): the tasks' late acknowledgement and warm
/// shutdown, and the studies' stale-trial check, which must not fail a live trial. About 3 s; the image is Images'.</summary>
[Trait(TestTiers.Trait, TestTiers.Integration)]
[Collection(EngineTests.Name)]
public sealed class MlServiceImageUnitTests
{
    [Fact]
    public async Task The_tasks_and_the_studies_pass_their_unit_tests_in_the_image()
    {
        await Prerequisites.RequireEngineAsync();
        var result = await ChildProcess.RunAsync("docker", ["run", "--rm", "--network", "none", "-v", $"{RepositoryRoot.Path}:/src:ro",
            "-w", "/src/docker/ml-service", "-e", "PYTHONDONTWRITEBYTECODE=1", "--entrypoint", "python3", "mlstack/ml-service:latest",
            "-m", "unittest", "discover", "-v", "-s", "tests", "-t", "."], timeout: TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.DoesNotContain("skipped", result.Output);
        Assert.Matches(@"test_a_heartbeat_recorded_after_the_check_began_is_live .*\.\.\. ok", result.Output);
        Assert.Matches(@"test_tasks_are_acknowledged_late_and_a_lost_child_puts_its_task_back .*\.\.\. ok", result.Output);
    }
}
