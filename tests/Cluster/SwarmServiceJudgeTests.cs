using Mlstack.Build.Cluster;

namespace Mlstack.Tests.Cluster;

/// <summary>The cluster gate's verdicts, from the engine's state as the Swarm API reports it.</summary>
public sealed class SwarmServiceJudgeTests
{
    private static readonly DateTime Since = new(2026, 12, 5, 12, 0, 0, DateTimeKind.Utc);

    private static SwarmTaskState Task(string node, string state, int secondsAfter = 1, string desired = "running", string? error = null, long? exit = null) =>
        new(node, state, desired, error, exit, Since.AddSeconds(secondsAfter));

    private static SwarmServiceState Service(long replicas, params SwarmTaskState[] tasks) =>
        new("web", IsJob: false, replicas, UpdateState: null, UpdateStarted: null, UpdateMessage: null, tasks, []);

    [Fact]
    public void A_service_is_ready_when_every_replica_of_its_current_spec_runs()
    {
        var judgement = SwarmServiceJudge.Judge(Service(2, Task("node2", "running"), Task("node3", "running")), Since);
        Assert.Equal(SwarmVerdict.Ready, judgement.Verdict);
        Assert.Equal("2/2 running on node2, node3", judgement.Why);
    }

    [Fact]
    public void A_service_still_starting_waits_and_says_where_its_last_task_is()
    {
        var judgement = SwarmServiceJudge.Judge(Service(2, Task("node2", "running"), Task("node3", "starting", 2)), Since);
        Assert.Equal(SwarmVerdict.Waiting, judgement.Verdict);
        Assert.Equal("1/2 running; the last task on node3 is starting", judgement.Why);
    }

    [Fact]
    public void An_update_in_progress_waits_even_with_every_replica_running()
    {
        var updating = Service(1, Task("node2", "running")) with { UpdateState = "updating", UpdateStarted = Since.AddSeconds(1) };
        Assert.Equal(SwarmVerdict.Waiting, SwarmServiceJudge.Judge(updating, Since).Verdict);
        Assert.Equal(SwarmVerdict.Ready, SwarmServiceJudge.Judge(updating with { UpdateState = "completed" }, Since).Verdict);
    }

    [Fact]
    public void An_update_swarm_rolled_back_during_this_deploy_fails_naming_the_task_it_blamed_and_its_node()
    {
        var rolledBack = Service(2, Task("node2", "running"), Task("node3", "running")) with
        {
            UpdateState = "rollback_completed",
            UpdateStarted = Since.AddSeconds(5),
            UpdateMessage = "update rolled back due to failure or early termination of task abc",
            BlamedTask = Task("node3", "complete", 3, desired: "shutdown"),
        };
        var judgement = SwarmServiceJudge.Judge(rolledBack, Since);
        Assert.Equal(SwarmVerdict.Failed, judgement.Verdict);
        Assert.Equal("Swarm rolled its update back (update rolled back due to failure or early termination of task abc); that task ran on node3, now complete", judgement.Why);
        Assert.Equal("node3", judgement.Node);
    }

    [Fact]
    public void A_rollback_from_before_this_deploy_is_history_and_the_service_is_ready()
    {
        var earlier = Service(1, Task("node2", "running")) with { UpdateState = "rollback_completed", UpdateStarted = Since.AddMinutes(-10) };
        Assert.Equal(SwarmVerdict.Ready, SwarmServiceJudge.Judge(earlier, Since).Verdict);
    }

    [Fact]
    public void A_paused_update_fails()
    {
        var paused = Service(1, Task("node2", "running")) with { UpdateState = "paused", UpdateStarted = Since.AddSeconds(2), UpdateMessage = "update paused due to failure", FailedSince = [Task("node2", "failed", 2, error: "task: non-zero exit (1)", exit: 1)] };
        var judgement = SwarmServiceJudge.Judge(paused, Since);
        Assert.Equal(SwarmVerdict.Failed, judgement.Verdict);
        Assert.Equal("Swarm paused its update (update paused due to failure); that task ran on node2, now failed, exit 1: task: non-zero exit (1)", judgement.Why);
    }

    [Fact]
    public void Tasks_that_keep_failing_are_a_crash_loop_and_fail_before_the_time_limit()
    {
        var looping = Service(1, Task("node2", "failed", 1, exit: 1), Task("node2", "failed", 6, exit: 1), Task("node3", "rejected", 11, error: "No such image: web:1"), Task("node3", "starting", 12));
        var judgement = SwarmServiceJudge.Judge(looping, Since);
        Assert.Equal(SwarmVerdict.Failed, judgement.Verdict);
        Assert.Equal("3 of its tasks failed; the last on node3: rejected: No such image: web:1", judgement.Why);
        Assert.Equal(SwarmVerdict.Waiting, SwarmServiceJudge.Judge(looping with { CurrentTasks = looping.CurrentTasks.Skip(1).ToList() }, Since).Verdict);
    }

    [Fact]
    public void A_one_shot_is_ready_when_its_latest_task_completed_and_fails_with_its_exit_code()
    {
        SwarmServiceState Job(params SwarmTaskState[] tasks) => new("migrate", IsJob: true, 1, null, null, null, tasks, []);
        Assert.Equal("completed on node1", SwarmServiceJudge.Judge(Job(Task("node1", "complete", desired: "shutdown")), Since).Why);
        Assert.Equal(SwarmVerdict.Waiting, SwarmServiceJudge.Judge(Job(Task("node1", "complete", 1), Task("node1", "running", 2)), Since).Verdict);
        Assert.Equal(SwarmVerdict.Waiting, SwarmServiceJudge.Judge(Job(), Since).Verdict);
        var failed = SwarmServiceJudge.Judge(Job(Task("node2", "failed", error: "task: non-zero exit (3)", exit: 3)), Since);
        Assert.Equal((SwarmVerdict.Failed, "its task on node2 ended failed, exit 3: task: non-zero exit (3)", "node2"), (failed.Verdict, failed.Why, failed.Node));
    }
}
