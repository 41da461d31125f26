using Mlstack.Build.Deploy;
using Mlstack.Build.Gates;
using Mlstack.Tests.Deploy.Fakes;
using static Mlstack.Tests.Deploy.Fakes.DeployScene;

namespace Mlstack.Tests.Deploy;

/// <summary>A release's way from pending to healthy, failed or interrupted, and the deploy that changes nothing,
/// decided against a VM held in memory (<see cref="FakeReleaseVm"/>); DeployTests runs the same on a real VM.</summary>
public sealed class ReleaseLifecycleTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly DeployScene _scene = new();

    public void Dispose() => _scene.Dispose();

    [Fact]
    public async Task A_release_that_passes_its_gates_and_smoke_test_goes_healthy_current_and_last_good()
    {
        var first = _scene.Vm.Add(Release(1, ReleaseStatus.Healthy, "old"), ReleaseLink.Current, ReleaseLink.LastGood);
        var ours = Release(2, ReleaseStatus.Pending);

        await _scene.DeployAsync(ours, ct: Ct);

        Assert.Equal(ReleaseStatus.Healthy, _scene.Vm.Releases[ours.Id].Status);
        Assert.Equal(Content, _scene.Vm.Releases[ours.Id].Content);
        Assert.Equal(ours.Id, _scene.Vm.Links[ReleaseLink.Current]);
        Assert.Equal(ours.Id, _scene.Vm.Links[ReleaseLink.LastGood]);
        Assert.Equal([$"start {ours.Id}", $"smoke {ours.Id}"], _scene.Runtime.Calls);
        Assert.Equal([AuditOutcome.Deployed], _scene.Outcomes);
        Assert.Equal(ReleaseStatus.Healthy, _scene.Vm.Releases[first.Id].Status);
        Assert.Contains($"Deploy: release {ours.Id} is live on vm.example.com", _scene.Output);
        Assert.False(_scene.Vm.LockHeld);
        Assert.Contains("\"outcome\":\"deployed\"", File.ReadAllText(Path.Combine(_scene.Reports, "deploy-audit.jsonl")));
    }

    [Fact]
    public async Task The_audit_line_of_a_release_records_what_its_rollouts_did()
    {
        _scene.Vm.Add(Release(1, ReleaseStatus.Healthy, "old"), ReleaseLink.Current, ReleaseLink.LastGood);
        _scene.Runtime.LastRollouts = "ml-service new copy healthy after 6.3s, traffic moved after 6.6s, old drained in 1.4s";

        await _scene.DeployAsync(Release(2, ReleaseStatus.Pending), ct: Ct);

        Assert.Contains("\"reason\":\"gates and smoke passed; ml-service new copy healthy after 6.3s, traffic moved after 6.6s, old drained in 1.4s\"",
            File.ReadAllText(Path.Combine(_scene.Reports, "deploy-audit.jsonl")));
    }

    [Fact]
    public async Task A_release_whose_gate_fails_is_marked_failed_and_the_vm_returns_to_the_last_good_one()
    {
        var first = _scene.Vm.Add(Release(1, ReleaseStatus.Healthy), ReleaseLink.Current, ReleaseLink.LastGood);
        var ours = Release(2, ReleaseStatus.Pending);
        _scene.Runtime.Failing = call => call == $"start {ours.Id}" ? new GateFailedException("ml-service", "never became healthy", [], []) : null;

        var error = await Assert.ThrowsAsync<GateFailedException>(() => _scene.DeployAsync(ours, ct: Ct));

        Assert.Equal("ml-service", error.Service);
        Assert.Equal(ReleaseStatus.Failed, _scene.Vm.Releases[ours.Id].Status);
        Assert.Equal(first.Id, _scene.Vm.Links[ReleaseLink.Current]);
        Assert.Equal(first.Id, _scene.Vm.Links[ReleaseLink.LastGood]);
        Assert.Equal([$"start {ours.Id}", $"start {first.Id}"], _scene.Runtime.Calls);
        var line = Assert.Single(_scene.Vm.Audit);
        Assert.Equal(AuditOutcome.RolledBack, line.Outcome);
        Assert.Equal($"Service ml-service never became healthy; its last log lines and healthcheck output are above.; back on {first.Id}", line.Reason);
        Assert.Contains($"rolling back to {first.Id}", _scene.Output);
        Assert.Contains($"rolled back to {first.Id}", _scene.Output);
    }

    [Fact]
    public async Task A_first_release_that_fails_stops_the_stack_with_its_containers_kept()
    {
        var ours = Release(1, ReleaseStatus.Pending);
        _scene.Runtime.Failing = call => call == $"smoke {ours.Id}" ? new Mlstack.Build.Smoke.SmokeFailedException("smoke: /api/health answered 502") : null;

        await Assert.ThrowsAsync<Mlstack.Build.Smoke.SmokeFailedException>(() => _scene.DeployAsync(ours, ct: Ct));

        Assert.Equal([$"start {ours.Id}", $"smoke {ours.Id}", $"stop {ours.Id}"], _scene.Runtime.Calls);
        Assert.Equal(ReleaseStatus.Failed, _scene.Vm.Releases[ours.Id].Status);
        Assert.Empty(_scene.Vm.Links);
        Assert.Equal([AuditOutcome.Failed], _scene.Outcomes);
        Assert.Contains("no earlier good release to return to", _scene.Output);
    }

    [Fact]
    public async Task A_release_left_pending_by_a_lost_deploy_is_marked_interrupted_by_the_next()
    {
        _scene.Vm.Add(Release(1, ReleaseStatus.Healthy), ReleaseLink.Current, ReleaseLink.LastGood);
        var lost = _scene.Vm.Add(Release(2, ReleaseStatus.Pending));
        var ours = Release(3, ReleaseStatus.Pending);

        await _scene.DeployAsync(ours, ct: Ct);

        Assert.Equal(ReleaseStatus.Interrupted, _scene.Vm.Releases[lost.Id].Status);
        Assert.Equal(ReleaseStatus.Healthy, _scene.Vm.Releases[ours.Id].Status);
        Assert.Equal([AuditOutcome.Interrupted, AuditOutcome.Deployed], _scene.Outcomes);
        Assert.Equal($"its deploy ended without a result; found by the deploy of {ours.Id}", _scene.Vm.Audit[0].Reason);
    }

    [Fact]
    public async Task A_release_like_the_healthy_current_one_is_not_uploaded_and_only_gated_again()
    {
        var current = _scene.Vm.Add(Release(1, ReleaseStatus.Healthy, Content), ReleaseLink.Current, ReleaseLink.LastGood);
        _scene.Runtime.Touches = false;

        await _scene.DeployAsync(Release(2, ReleaseStatus.Pending), ct: Ct);

        Assert.Equal([$"start {current.Id}"], _scene.Runtime.Calls); // no container touched: no smoke test
        Assert.Single(_scene.Vm.Releases);
        Assert.DoesNotContain(_scene.Vm.Ran, c => c.StartsWith("upload", StringComparison.Ordinal));
        var line = Assert.Single(_scene.Vm.Audit);
        Assert.Equal((AuditOutcome.Unchanged, current.Id), (line.Outcome, line.Release));
        Assert.Contains($"nothing changed since release {current.Id}", _scene.Output);
    }

    [Fact]
    public async Task A_release_found_failed_after_a_lost_connection_goes_straight_back_to_the_last_good_one()
    {
        var first = _scene.Vm.Add(Release(1, ReleaseStatus.Healthy), ReleaseLink.LastGood);
        var ours = _scene.Vm.Add(Release(2, ReleaseStatus.Failed), ReleaseLink.Current);

        var error = await Assert.ThrowsAsync<ReleaseFailedException>(() => _scene.DeployAsync(ours with { Status = ReleaseStatus.Pending }, ct: Ct));

        Assert.Equal($"Release {ours.Id}: it failed its gates or smoke test before the SSH connection was lost.", error.Message);
        Assert.Equal([$"start {first.Id}"], _scene.Runtime.Calls);
        Assert.Equal(first.Id, _scene.Vm.Links[ReleaseLink.Current]);
    }
}
