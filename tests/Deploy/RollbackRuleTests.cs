using Mlstack.Build.Backup;
using Mlstack.Build.Deploy;
using Mlstack.Build.Remote;
using Mlstack.Tests.Deploy.Fakes;
using static Mlstack.Tests.Deploy.Fakes.DeployScene;

namespace Mlstack.Tests.Deploy;

/// <summary>The rollback rule: a failure before the switch leaves the VM as it was; any failure after the switch
/// began — of any type, and Ctrl-C — returns it to the last good release and says what failed; a lost connection is
/// run again instead.</summary>
public sealed class RollbackRuleTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly DeployScene _scene = new();
    private readonly ReleaseInfo _first;
    private readonly ReleaseInfo _ours = Release(2, ReleaseStatus.Pending);

    public RollbackRuleTests() => _first = _scene.Vm.Add(Release(1, ReleaseStatus.Healthy), ReleaseLink.Current, ReleaseLink.LastGood);

    public void Dispose() => _scene.Dispose();

    [Theory]
    [InlineData(SwitchPhase.NotStarted, true, false, FailureResponse.LeaveAsItWas)]
    [InlineData(SwitchPhase.NotStarted, true, true, FailureResponse.LeaveAsItWas)]
    [InlineData(SwitchPhase.NotStarted, false, false, FailureResponse.RunAgainOnNewConnection)]
    [InlineData(SwitchPhase.Switching, true, false, FailureResponse.ReturnToLastGood)]
    [InlineData(SwitchPhase.Switching, true, true, FailureResponse.ReturnToLastGood)]
    [InlineData(SwitchPhase.Switching, false, true, FailureResponse.ReturnToLastGood)]
    [InlineData(SwitchPhase.Switching, false, false, FailureResponse.RunAgainOnNewConnection)]
    [InlineData(SwitchPhase.Live, true, false, FailureResponse.LeaveAsItWas)]
    public void The_phase_the_connection_and_a_cancellation_decide_it(SwitchPhase phase, bool alive, bool cancelled, FailureResponse expected) =>
        Assert.Equal(expected, RollbackRule.Decide(phase, alive, cancelled));

    [Fact]
    public async Task A_failure_before_the_switch_changes_nothing_on_the_vm()
    {
        OutgoingBackup failing = (_, _, _) => throw new BackupException("restic: repository locked — nothing was switched");

        await Assert.ThrowsAsync<BackupException>(() => _scene.DeployAsync(_ours, failing, Ct));

        Assert.Empty(_scene.Runtime.Calls);
        Assert.Equal([_first.Id], _scene.Vm.Releases.Keys);
        Assert.Equal(_first.Id, _scene.Vm.Links[ReleaseLink.Current]);
        Assert.Empty(_scene.Vm.Audit);
        Assert.False(_scene.Vm.LockHeld);
    }

    [Fact]
    public async Task An_unexpected_exception_after_the_switch_began_returns_to_the_last_good_release_naming_it()
    {
        _scene.Runtime.Failing = call => call == $"smoke {_ours.Id}" ? new KeyNotFoundException("a bug") : null;

        await Assert.ThrowsAsync<KeyNotFoundException>(() => _scene.DeployAsync(_ours, ct: Ct));

        Assert.Equal(_first.Id, _scene.Vm.Links[ReleaseLink.Current]);
        Assert.Equal(ReleaseStatus.Failed, _scene.Vm.Releases[_ours.Id].Status);
        Assert.Equal($"KeyNotFoundException: a bug; back on {_first.Id}", Assert.Single(_scene.Vm.Audit).Reason);
    }

    [Fact]
    public async Task A_command_that_fails_while_the_links_move_returns_to_the_last_good_release()
    {
        _scene.Vm.Failing = c => c.Contains("last_good.tmp", StringComparison.Ordinal) && c.Contains(_ours.Id, StringComparison.Ordinal)
            ? new SshCommandException("'ln -sfn …' exited with code 1 on the VM: No space left on device", 1) : null;

        await Assert.ThrowsAsync<SshCommandException>(() => _scene.DeployAsync(_ours, ct: Ct));

        Assert.Equal(_first.Id, _scene.Vm.Links[ReleaseLink.Current]);
        Assert.Equal(_first.Id, _scene.Vm.Links[ReleaseLink.LastGood]);
        Assert.Equal(ReleaseStatus.Failed, _scene.Vm.Releases[_ours.Id].Status);
        Assert.Equal([$"start {_ours.Id}", $"smoke {_ours.Id}", $"start {_first.Id}"], _scene.Runtime.Calls);
    }

    [Fact]
    public async Task Ctrl_c_after_the_switch_began_returns_to_the_last_good_release_on_a_fresh_token_with_a_time_limit()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        _scene.Runtime.Failing = call =>
        {
            if (call != $"smoke {_ours.Id}")
                return null;
            cancel.Cancel();
            return new OperationCanceledException(cancel.Token);
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _scene.DeployAsync(_ours, ct: cancel.Token));

        Assert.Equal($"start {_first.Id}", _scene.Runtime.Calls[^1]);
        var rollback = _scene.Runtime.Tokens[^1];
        Assert.False(rollback.IsCancellationRequested);
        Assert.True(rollback.CanBeCanceled); // a time limit: the return ends by itself
        Assert.Equal(_first.Id, _scene.Vm.Links[ReleaseLink.Current]);
        Assert.StartsWith("cancelled (Ctrl-C)", Assert.Single(_scene.Vm.Audit).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lost_connection_after_the_switch_began_is_left_for_the_reconnect_to_run_again()
    {
        _scene.Runtime.Failing = call =>
        {
            if (call != $"smoke {_ours.Id}")
                return null;
            _scene.Vm.Alive = false;
            return new SshCommandException("connection reset", null);
        };

        await Assert.ThrowsAsync<SshCommandException>(() => _scene.DeployAsync(_ours, ct: Ct));

        Assert.Equal(ReleaseStatus.Pending, _scene.Vm.Releases[_ours.Id].Status); // the run on a new connection carries on with it
        Assert.Equal(_first.Id, _scene.Vm.Links[ReleaseLink.Current]);
        Assert.Equal([$"start {_ours.Id}", $"smoke {_ours.Id}"], _scene.Runtime.Calls);
    }

    [Fact]
    public async Task A_failure_once_the_release_is_live_leaves_it_live()
    {
        _scene.Options = _scene.Options with { KeepReleases = 0 };
        _scene.Vm.Failing = c => c.StartsWith("rm -rf", StringComparison.Ordinal) ? new SshCommandException("rm: permission denied", 1) : null;

        await Assert.ThrowsAsync<SshCommandException>(() => _scene.DeployAsync(_ours, ct: Ct));

        Assert.Equal(_ours.Id, _scene.Vm.Links[ReleaseLink.Current]);
        Assert.Equal(ReleaseStatus.Healthy, _scene.Vm.Releases[_ours.Id].Status);
        Assert.DoesNotContain($"start {_first.Id}", _scene.Runtime.Calls);
    }

    [Fact]
    public async Task A_return_that_fails_too_says_both()
    {
        _scene.Runtime.Failing = call => call.StartsWith("start", StringComparison.Ordinal)
            ? new Mlstack.Build.Gates.GateFailedException(call[6..], "never became healthy", [], []) : null;

        var error = await Assert.ThrowsAsync<RollbackFailedException>(() => _scene.DeployAsync(_ours, ct: Ct));

        Assert.StartsWith($"Release {_ours.Id} failed (Service {_ours.Id} never became healthy", error.Message, StringComparison.Ordinal);
        Assert.Contains($"returning to the last good release failed too (Service {_first.Id} never became healthy", error.Message);
        Assert.IsType<Mlstack.Build.Gates.GateFailedException>(error.InnerException);
    }
}
