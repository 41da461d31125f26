using System.Reflection;
using Mlstack.Build.Core;
using Mlstack.Build.Gates;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;
using Mlstack.Build.Tooling;

namespace Mlstack.Tests.Core;

/// <summary>What a failure carries: callers decide by its type, report its one-line message, and show a command's
/// exit code and last lines.</summary>
public sealed class TypedFailureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static BuildLog Log => new(TextWriter.Null, new SecretMasker(), color: false);

    [Fact]
    public void Every_exception_the_build_declares_is_a_BuildFailure_except_the_users_mistake()
    {
        var exceptions = typeof(BuildFailure).Assembly.GetTypes().Where(t => typeof(Exception).IsAssignableFrom(t)).ToList();

        var untyped = exceptions.Where(t => !typeof(BuildFailure).IsAssignableFrom(t) && t != typeof(BuildInputException)).Select(t => t.FullName);

        Assert.Empty(untyped);
        Assert.Contains(typeof(ToolFailedException), exceptions);
    }

    [Fact]
    public void A_failed_command_on_the_VM_carries_its_exit_code_and_the_last_lines_of_stderr()
    {
        var result = new RemoteCommandResult("docker compose up -d", 3, "starting\n", "pulling\nerror: no space left\n\nexit\n");

        var failure = Assert.Throws<SshCommandException>(() => result.EnsureSuccess());

        Assert.IsAssignableFrom<CommandFailedException>(failure);
        Assert.Equal(3, failure.ExitCode);
        Assert.Equal(["pulling", "error: no space left", "exit"], failure.LastLines);
        Assert.Equal("'docker compose up -d' exited with code 3 on the VM: pulling | error: no space left | exit", failure.Message);
    }

    [Fact]
    public void A_failed_command_with_nothing_on_stderr_shows_its_stdout()
    {
        var failure = Assert.Throws<SshCommandException>(() => new RemoteCommandResult("false", 1, "only here\n", "").EnsureSuccess());

        Assert.Equal(["only here"], failure.LastLines);
        Assert.EndsWith(": only here", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_command_stopped_for_its_time_limit_has_no_exit_code()
    {
        CommandFailedException failure = new SshCommandException("'sleep 30' did not finish within 1 s on vm; it was stopped.", null);

        Assert.Null(failure.ExitCode);
        Assert.Empty(failure.LastLines);
    }

    [Fact]
    public async Task A_local_tool_that_exits_non_zero_is_a_ToolFailedException_with_its_code_and_output()
    {
        var failure = await Assert.ThrowsAsync<ToolFailedException>(() =>
            ToolRunner.RunCheckedAsync("sh", ["-c", "echo one; echo two; echo three >&2; exit 4"], Log, ct: Ct));

        Assert.Equal(4, failure.ExitCode);
        Assert.Equal("sh", failure.Tool);
        Assert.Equal(["one", "three", "two"], failure.LastLines.Order());
        Assert.StartsWith("sh exited with code 4: ", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failure.Message);
    }

    [Fact]
    public async Task A_missing_tool_is_a_ToolNotFoundException_not_an_InvalidOperationException()
    {
        var failure = await Assert.ThrowsAsync<ToolNotFoundException>(() => ToolRunner.RunAsync("mlstack-no-such-tool", [], Log, ct: Ct));

        Assert.IsAssignableFrom<BuildFailure>(failure);
        Assert.False(typeof(InvalidOperationException).IsAssignableFrom(failure.GetType()));
        Assert.Equal("mlstack-no-such-tool", failure.Tool);
        Assert.StartsWith("Could not start 'mlstack-no-such-tool': ", failure.Message, StringComparison.Ordinal);
        Assert.EndsWith(". Is it installed and on PATH?", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Failures_keep_their_one_line_messages()
    {
        BuildFailure[] failures =
        [
            new GateFailedException("redis", "exited with code 1", ["log line", "another"], ["PONG"]),
            new ComposeFailedException("compose up failed (exit code 1): a | b | c", 1, ["a", "b", "c"]),
            new Mlstack.Build.Images.ImageBuildException("ml-service", "RUN pip install", "exit code 1", ["ERROR: no matching distribution"]),
            new Mlstack.Build.Smoke.NoRunningContainerException("worker-heavy"),
        ];

        Assert.All(failures, f => Assert.DoesNotContain('\n', f.Message));
        Assert.Equal("Service redis exited with code 1; its last log lines and healthcheck output are above.", failures[0].Message);
        Assert.Equal(1, Assert.IsAssignableFrom<CommandFailedException>(failures[1]).ExitCode);
        Assert.Equal("Image ml-service failed at step 'RUN pip install': exit code 1", failures[2].Message);
        Assert.Equal("no running container for worker-heavy", failures[3].Message);
    }
}
