using Mlstack.Build.Gates;
using Mlstack.Build.Stack;

namespace Mlstack.Tests.Gates;

public sealed class GateDecisionTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 5, 0, 0, TimeSpan.Zero);
    private static readonly ServiceGoal Healthy = new("api", GoalKind.Healthy, TimeSpan.FromSeconds(30));
    private static readonly ServiceGoal OneShot = new("migrate", GoalKind.Completed, TimeSpan.FromSeconds(60));
    private static readonly ServiceGoal Running = new("worker", GoalKind.Running, TimeSpan.FromSeconds(20));

    private static ContainerSnapshot Container(string status = "running", string? health = null, long exitCode = 0, double createdAfter = 1, double? finishedAfter = null, double startedAfter = 1) =>
        new("c1", "api", Start.AddSeconds(createdAfter), status, health, exitCode, Start.AddSeconds(startedAfter),
            finishedAfter is { } f ? Start.AddSeconds(f) : null, ["exit 1: not ready"], "img");

    private static GateState Decide(ServiceGoal goal, ContainerSnapshot? container, double nowAfter = 5, bool composeFinished = false, ContainerHistory? history = null) =>
        GateDecision.Decide(goal, container, history ?? ContainerHistory.None, Start.AddSeconds(nowAfter), Start, composeFinished);

    [Fact]
    public void Waits_for_a_container_compose_has_not_created_yet_and_fails_when_compose_is_done_without_one()
    {
        Assert.Equal(Verdict.Waiting, Decide(Healthy, null).Verdict);
        Assert.Equal(new GateState(Verdict.Failed, "has no container although compose up has finished"), Decide(Healthy, null, composeFinished: true));
    }

    [Fact]
    public void A_tier_the_autoscaler_took_to_zero_is_ready_but_a_crashed_or_ordinary_stopped_service_is_not()
    {
        var tier = Healthy with { MayScaleToZero = true };
        var stopped = Container(status: "exited", exitCode: 0, createdAfter: -600, startedAfter: -600, finishedAfter: -60);

        Assert.Equal(new GateState(Verdict.Passed, "scaled to 0"), Decide(tier, stopped, composeFinished: true));
        Assert.Equal(Verdict.Waiting, Decide(tier, stopped).Verdict); // compose may still start it
        Assert.Equal(Verdict.Failed, Decide(Healthy, stopped, composeFinished: true).Verdict);
        Assert.Equal(Verdict.Failed, Decide(tier, stopped with { ExitCode = 137 }, composeFinished: true).Verdict);
        Assert.Equal(Verdict.Failed, Decide(tier, stopped, composeFinished: true, history: new ContainerHistory(false, 1)).Verdict);
    }

    [Fact]
    public void A_tier_is_judged_on_its_newest_running_replica_not_on_one_being_retired()
    {
        var first = Container(health: "healthy", createdAfter: -600) with { Id = "first" };
        var retired = Container(status: "exited", createdAfter: -30, finishedAfter: -1) with { Id = "retired" };

        Assert.Equal("first", HealthGate.Representative([first, retired], "api")!.Id);
        Assert.Equal("retired", HealthGate.Representative([first with { Status = "exited" }, retired], "api")!.Id);
    }

    [Fact]
    public void A_healthy_container_passes_and_a_starting_one_waits()
    {
        Assert.Equal(Verdict.Passed, Decide(Healthy, Container(health: "healthy")).Verdict);
        Assert.Equal(Verdict.Waiting, Decide(Healthy, Container(health: "starting")).Verdict);
    }

    [Fact]
    public void An_unhealthy_container_fails_at_once()
    {
        var state = Decide(Healthy, Container(health: "unhealthy"));
        Assert.Equal(new GateState(Verdict.Failed, "unhealthy"), state);
    }

    [Fact]
    public void A_container_from_before_this_Up_is_judged_only_after_compose_has_finished()
    {
        var old = Container(health: "unhealthy", createdAfter: -60);
        Assert.Equal(Verdict.Waiting, Decide(Healthy, old).Verdict);
        Assert.Equal(Verdict.Failed, Decide(Healthy, old, composeFinished: true).Verdict);
    }

    [Fact]
    public void Passing_the_service_s_own_timeout_fails_with_it()
    {
        var state = Decide(Healthy, Container(health: "starting"), nowAfter: 40);
        Assert.Equal(Verdict.Failed, state.Verdict);
        Assert.Equal("not healthy within 30s (still starting)", state.Text);
    }

    [Fact]
    public void A_crash_seen_in_the_event_stream_fails_even_after_a_restart()
    {
        var state = Decide(Healthy, Container(health: "starting"), history: new ContainerHistory(false, 3));
        Assert.Equal(new GateState(Verdict.Failed, "crashed (exit code 3) and was restarted"), state);
    }

    [Fact]
    public void A_container_stopped_on_purpose_is_being_replaced_not_crashed()
    {
        var state = Decide(Healthy, Container(status: "exited", exitCode: 137, finishedAfter: 2), history: new ContainerHistory(true, null));
        Assert.Equal(Verdict.Waiting, state.Verdict);
    }

    [Fact]
    public void A_one_shot_passes_on_exit_0_and_fails_with_its_code()
    {
        Assert.Equal(Verdict.Passed, Decide(OneShot, Container(status: "exited", exitCode: 0, finishedAfter: 3)).Verdict);
        Assert.Equal(new GateState(Verdict.Failed, "exited with code 1"), Decide(OneShot, Container(status: "exited", exitCode: 1, finishedAfter: 3)));
    }

    [Fact]
    public void A_one_shot_s_exit_from_an_earlier_Up_does_not_count_while_compose_may_run_it_again()
    {
        var earlier = Container(status: "exited", exitCode: 0, createdAfter: -600, finishedAfter: -590);
        Assert.Equal(Verdict.Waiting, Decide(OneShot, earlier).Verdict);
        Assert.Equal(Verdict.Passed, Decide(OneShot, earlier, composeFinished: true).Verdict);
    }

    [Fact]
    public void A_service_without_healthcheck_passes_after_running_through_the_settle_period()
    {
        Assert.Equal(Verdict.Waiting, Decide(Running, Container(startedAfter: 3), nowAfter: 5).Verdict);
        Assert.Equal(Verdict.Passed, Decide(Running, Container(startedAfter: 3), nowAfter: 9).Verdict);
        Assert.Equal(new GateState(Verdict.Failed, "exited with code 2"), Decide(Running, Container(status: "exited", exitCode: 2, finishedAfter: 4)));
    }
}

public sealed class ServiceGoalTests
{
    [Fact]
    public void The_timeout_derives_from_the_healthcheck_plus_a_margin()
    {
        var service = new Mlstack.Build.Stack.ServiceSpec("db", null, null,
            new Mlstack.Build.Stack.HealthcheckSpec(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(3), 6, TimeSpan.FromSeconds(40)), new Dictionary<string, string>(), null);

        var goal = ServiceGoal.For(service, timeoutOverride: null);

        Assert.Equal(GoalKind.Healthy, goal.Kind);
        Assert.Equal(TimeSpan.FromSeconds(40 + (6 * 5) + 3 + 15), goal.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(7), ServiceGoal.For(service, TimeSpan.FromSeconds(7)).Timeout);
    }

    [Fact]
    public void A_service_without_healthcheck_or_restart_is_a_one_shot()
    {
        var service = new Mlstack.Build.Stack.ServiceSpec("migrate", null, null, null, new Dictionary<string, string>(), "no");

        Assert.Equal(GoalKind.Completed, ServiceGoal.For(service, null).Kind);
        Assert.Equal(GoalKind.Running, ServiceGoal.For(service with { Restart = "unless-stopped" }, null).Kind);
    }
}
