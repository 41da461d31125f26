using Mlstack.Build.Doctor;
using Mlstack.Build.Smoke;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Smoke;

/// <summary>HeartbeatCheck against the real engine's healthcheck results, on a fixture container whose heartbeat
/// file the test removes and writes again (as a broker outage and its end do to a worker's or the autoscaler's).</summary>
[Trait(TestTiers.Trait, TestTiers.Integration)]
[Collection(FixtureStacks.Name)]
public sealed class HeartbeatCheckTests
{
    [Fact]
    public async Task A_failed_result_older_than_a_recovery_waits_for_the_next_probe_and_a_real_failure_says_why()
    {
        await FixtureImage.EnsureAsync();
        await using var stack = await FixtureStack.CreateAsync($$"""
            services:
              worker:
                image: {{FixtureImage.Name}}
                command: ["sh", "-c", "touch /tmp/beat; exec sleep 600"]
                stop_grace_period: 1s
                healthcheck: {test: ["CMD", "sh", "-c", "test -f /tmp/beat || { echo 'heartbeat 41s old (limit 30s)'; exit 1; }"], interval: 3s, timeout: 2s, retries: 100, start_period: 0s}
            """);
        await stack.UpAsync();
        var ct = TestContext.Current.CancellationToken;
        var id = (await stack.Engine.SnapshotAsync(ct)).Single().Id;
        using var exec = new ContainerExec(EngineProbe.Client(EngineProbe.Endpoint().Endpoint), stack.Project.Name);
        var context = new SmokeContext(new HttpClient(), new Uri("http://stack.invalid"), exec);
        var check = new HeartbeatCheck("worker", "heartbeat fresh", TimeSpan.FromSeconds(25));

        await ChildProcess.RunAsync("docker", ["exec", id, "rm", "/tmp/beat"]);
        while (await exec.LastHealthAsync("worker", ct) is not { ExitCode: 1 })
            await Task.Delay(200, ct);
        await ChildProcess.RunAsync("docker", ["exec", id, "touch", "/tmp/beat"]);
        var recovered = Assert.Single(await SmokeRunner.RunAsync([check], ["worker"], context, ct));
        Assert.True(recovered.Result == CheckResult.Passed, recovered.Got);

        await ChildProcess.RunAsync("docker", ["exec", id, "rm", "/tmp/beat"]);
        while (await exec.LastHealthAsync("worker", ct) is not { ExitCode: 1 })
            await Task.Delay(200, ct);
        var stale = Assert.Single(await SmokeRunner.RunAsync([check], ["worker"], context, ct));
        Assert.Equal(CheckResult.Failed, stale.Result);
        Assert.Equal(("the heartbeat probe to pass", "exit code 1: heartbeat 41s old (limit 30s)"), (stale.Expected, stale.Got));
    }
}
