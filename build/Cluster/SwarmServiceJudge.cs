namespace Mlstack.Build.Cluster;

/// <summary>One task of a service, as the Swarm API reports it, with its node's hostname.</summary>
public sealed record SwarmTaskState(string Node, string State, string DesiredState, string? Error, long? ExitCode, DateTime Created);

/// <summary>A service at one moment, from the Swarm API: its update's state (null before its first update), the
/// tasks of its current spec (tasks of an older spec are leaving and do not count), and the tasks of any spec that
/// failed since the deploy began (after Swarm's own rollback, the failed ones are of the spec it left), and the task
/// Swarm blamed for its rollback or pause (the one its message names, or the newest of the spec it rolled away from).</summary>
public sealed record SwarmServiceState(
    string Service,
    bool IsJob,
    long Replicas,
    string? UpdateState,
    DateTime? UpdateStarted,
    string? UpdateMessage,
    IReadOnlyList<SwarmTaskState> CurrentTasks,
    IReadOnlyList<SwarmTaskState> FailedSince,
    SwarmTaskState? BlamedTask = null);

public enum SwarmVerdict
{
    Waiting,
    Ready,
    Failed,
}

/// <summary>The verdict on a service, why, and the node it concerns (a failed task's).</summary>
public sealed record SwarmJudgement(SwarmVerdict Verdict, string Why, string? Node = null);

/// <summary>Whether a service of a deploy phase reached its goal, from the engine's state alone (never the CLI's exit
/// code, which is 0 even after Swarm rolled a service back): a one-shot's task completed (exit 0); a long-running
/// service's tasks of the current spec all running (Swarm reports a task with a healthcheck running only once it is
/// healthy) and its update completed, monitor window included. An update Swarm rolled back or paused since the deploy
/// began fails at once; so does a service whose tasks keep failing.</summary>
public static class SwarmServiceJudge
{
    /// <summary>Failed tasks of the current spec that make a crash loop: Swarm would go on restarting it.</summary>
    public const int CrashLoop = 3;

    private static readonly HashSet<string> Ended = ["failed", "rejected", "shutdown", "orphaned", "remove"];

    /// <param name="since">When this deploy's stack deploy began (the engine's clock): an update rolled back before it
    /// is history (a service Swarm rolled back last time and that this deploy leaves alone is ready).</param>
    public static SwarmJudgement Judge(SwarmServiceState service, DateTime since)
    {
        if (service.UpdateState is "rollback_started" or "rollback_paused" or "rollback_completed" or "paused" && service.UpdateStarted >= since)
        {
            var what = service.UpdateState == "paused" ? "Swarm paused its update" : "Swarm rolled its update back";
            var failed = service.BlamedTask ?? LastFailed(service);
            return new SwarmJudgement(SwarmVerdict.Failed, $"{what} ({Message(service.UpdateMessage)})" + (failed == null ? string.Empty : $"; that task ran on {failed.Node}, now {Ending(failed)}"), failed?.Node);
        }

        return service.IsJob ? JudgeJob(service) : JudgeService(service);
    }

    private static SwarmJudgement JudgeJob(SwarmServiceState job)
    {
        var last = job.CurrentTasks.MaxBy(t => t.Created);
        return last switch
        {
            null => new SwarmJudgement(SwarmVerdict.Waiting, "no task yet"),
            { State: "complete" } => new SwarmJudgement(SwarmVerdict.Ready, $"completed on {last.Node}", last.Node),
            _ when Ended.Contains(last.State) => new SwarmJudgement(SwarmVerdict.Failed, $"its task on {last.Node} ended {Ending(last)}", last.Node),
            _ => new SwarmJudgement(SwarmVerdict.Waiting, $"its task on {last.Node} is {last.State}", last.Node),
        };
    }

    private static SwarmJudgement JudgeService(SwarmServiceState service)
    {
        var running = service.CurrentTasks.Where(t => t is { DesiredState: "running", State: "running" }).ToList();
        var failed = service.CurrentTasks.Where(t => Ended.Contains(t.State) && t.State != "shutdown" && t.State != "remove").ToList();
        if (failed.Count >= CrashLoop)
        {
            var last = failed.MaxBy(t => t.Created)!;
            return new SwarmJudgement(SwarmVerdict.Failed, $"{failed.Count} of its tasks failed; the last on {last.Node}: {Ending(last)}", last.Node);
        }

        var nodes = string.Join(", ", running.Select(t => t.Node).Distinct().Order(StringComparer.Ordinal));
        if (service.UpdateState is "updating" or "rollback_started")
            return new SwarmJudgement(SwarmVerdict.Waiting, $"updating, {running.Count}/{service.Replicas} running");
        if (running.Count >= service.Replicas)
            return new SwarmJudgement(SwarmVerdict.Ready, service.Replicas == 0 ? "scaled to 0" : $"{running.Count}/{service.Replicas} running on {nodes}");
        var latest = failed.MaxBy(t => t.Created) ?? service.CurrentTasks.Where(t => t.State != "running").MaxBy(t => t.Created);
        return new SwarmJudgement(SwarmVerdict.Waiting, $"{running.Count}/{service.Replicas} running" + (latest == null ? string.Empty : $"; the last task on {latest.Node} is {Ending(latest)}"), latest?.Node);
    }

    private static SwarmTaskState? LastFailed(SwarmServiceState service) => service.FailedSince.MaxBy(t => t.Created);

    private static string Ending(SwarmTaskState task) =>
        task.State + (task.ExitCode is { } code and not 0 ? $", exit {code}" : string.Empty) + (string.IsNullOrWhiteSpace(task.Error) ? string.Empty : $": {task.Error.Trim()}");

    private static string Message(string? message) => string.IsNullOrWhiteSpace(message) ? "no message" : message.Trim();
}
