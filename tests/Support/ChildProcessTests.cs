namespace Mlstack.Tests.Support;

/// <summary>The suite's own runner of programs: a child that outlives its time is killed, and what it printed until
/// then is in the error, so a timed-out build says where it stopped.</summary>
public sealed class ChildProcessTests
{
    [Fact]
    public async Task A_child_past_its_time_is_killed_and_its_output_so_far_is_in_the_error()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            ChildProcess.RunAsync("sh", ["-c", "echo step one done; echo stuck in step two >&2; sleep 60"], timeout: TimeSpan.FromSeconds(2)));

        Assert.Contains("did not finish in time", error.Message, StringComparison.Ordinal);
        Assert.Contains("step one done", error.Message, StringComparison.Ordinal);
        Assert.Contains("stuck in step two", error.Message, StringComparison.Ordinal);
    }
}
