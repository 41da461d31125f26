using Mlstack.Tests.Support;

namespace Mlstack.Tests.Stack;

/// <summary>The autoscaler's Python unit tests (docker/ml-service/tests): its policy — bursts, drains, cooldowns, no
/// flapping, bounds —, the scaler's rules and the queue depth, run by the Python that runs them in the image's place.
/// The real stack's autoscaling is FullStackTests'.</summary>
public sealed class AutoscalerPolicyTests
{
    [Fact]
    public async Task The_policy_the_scaler_and_the_queue_depth_pass_their_unit_tests()
    {
        if (!Prerequisites.OnPath("python3"))
            Prerequisites.Missing("The autoscaler's unit tests need python3 with PyYAML (apt-get install python3 python3-yaml).");

        var result = await ChildProcess.RunAsync("python3", ["-m", "unittest", "discover", "-v", "-s", "tests", "-t", "."],
            new Dictionary<string, string?> { ["PYTHONDONTWRITEBYTECODE"] = "1" }, Path.Combine(RepositoryRoot.Path, "docker", "ml-service"));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Matches(@"Ran (1[5-9]|[2-9]\d) tests", result.Output);
        Assert.Matches(@"test_a_queue_that_dips_between_tasks_does_not_flap .*\.\.\. ok", result.Output);
        Assert.Matches(@"test_a_scale_is_the_services_replica_count_set_against_its_version_the_rest_of_its_spec_kept .*\.\.\. ok", result.Output);
    }
}
