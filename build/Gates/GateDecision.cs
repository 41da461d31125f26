namespace Mlstack.Build.Gates;

public enum Verdict
{
    Waiting,
    Passed,
    Failed,
}

public sealed record GateState(Verdict Verdict, string Text);

/// <summary>What the event stream told us about a container during this Up.</summary>
/// <param name="StoppedOnPurpose">A kill/stop came before its exit: compose (or a person) stopped it, no crash.</param>
/// <param name="CrashExitCode">It died on its own, with this code, even if its restart policy already restarted it.</param>
public sealed record ContainerHistory(bool StoppedOnPurpose, long? CrashExitCode)
{
    public static readonly ContainerHistory None = new(false, null);
}

/// <summary>Decides, from one snapshot, whether a service has reached its goal, failed, or is still on its way.
/// Pure: no engine, no clock of its own — what the gate's tests exercise directly.</summary>
public static class GateDecision
{
    /// <param name="container">The service's current container; null while compose has not created it.</param>
    /// <param name="gateStart">When this Up began: older exits of one-shots do not count.</param>
    /// <param name="composeFinished">compose up has returned, so it will not start anything more.</param>
    public static GateState Decide(ServiceGoal goal, ContainerSnapshot? container, ContainerHistory history, DateTimeOffset now, DateTimeOffset gateStart, bool composeFinished)
    {
        var state = DecideOnce(goal, container, history, now, gateStart, composeFinished);
        // A container from before this Up may still be replaced or restarted by compose: judge it once compose is done.
        var fromBefore = container != null && container.Created < gateStart && !composeFinished;
        return state.Verdict == Verdict.Failed && fromBefore ? new GateState(Verdict.Waiting, $"{state.Text}; compose may replace it") : state;
    }

    private static GateState DecideOnce(ServiceGoal goal, ContainerSnapshot? container, ContainerHistory history, DateTimeOffset now, DateTimeOffset gateStart, bool composeFinished)
    {
        if (container == null)
            return composeFinished
                ? new GateState(Verdict.Failed, "has no container although compose up has finished")
                : new GateState(Verdict.Waiting, "not created yet");
        if (goal.MayScaleToZero && ScaledToZero(container, history, gateStart))
            return composeFinished ? new GateState(Verdict.Passed, "scaled to 0") : new GateState(Verdict.Waiting, "scaled to 0; compose may start it");
        if (history.StoppedOnPurpose && !container.IsRunning)
            return new GateState(Verdict.Waiting, "being replaced");
        if (goal.Kind != GoalKind.Completed && container.HasExited && container.FinishedAt < gateStart && !composeFinished)
            return new GateState(Verdict.Waiting, "stopped; compose will start it");

        var since = container.Created > gateStart ? container.Created : gateStart;
        var overdue = now - since > goal.Timeout;
        switch (goal.Kind)
        {
            case GoalKind.Completed:
                if (container.HasExited && (container.FinishedAt >= gateStart || composeFinished))
                {
                    return container.ExitCode == 0
                        ? new GateState(Verdict.Passed, "completed")
                        : new GateState(Verdict.Failed, $"exited with code {container.ExitCode}");
                }

                return overdue
                    ? new GateState(Verdict.Failed, $"did not finish within {goal.Timeout.TotalSeconds:0}s")
                    : new GateState(Verdict.Waiting, container.IsRunning ? "running" : container.Status);

            case GoalKind.Healthy:
                if (Crashed(container, history) is { } crash)
                    return new GateState(Verdict.Failed, crash);
                if (container.Health == "unhealthy")
                    return new GateState(Verdict.Failed, "unhealthy");
                if (container.Health == "healthy")
                    return new GateState(Verdict.Passed, "healthy");
                return overdue
                    ? new GateState(Verdict.Failed, $"not healthy within {goal.Timeout.TotalSeconds:0}s (still {container.Health ?? container.Status})")
                    : new GateState(Verdict.Waiting, container.Health ?? container.Status);

            default:
                if (Crashed(container, history) is { } exit)
                    return new GateState(Verdict.Failed, exit);
                if (container.IsRunning && container.StartedAt is { } started && now - started >= ServiceGoal.SettlePeriod)
                    return new GateState(Verdict.Passed, "running");
                return overdue
                    ? new GateState(Verdict.Failed, $"not running steadily within {goal.Timeout.TotalSeconds:0}s")
                    : new GateState(Verdict.Waiting, container.Status);
        }
    }

    /// <summary>Stopped cleanly — before this Up, or on purpose during it — and not restarted by its policy: the
    /// autoscaler's doing (a crash would have been restarted; only a stop keeps a container of a restarting service down).</summary>
    private static bool ScaledToZero(ContainerSnapshot container, ContainerHistory history, DateTimeOffset gateStart) =>
        container is { HasExited: true, ExitCode: 0 } && (container.FinishedAt < gateStart || history.StoppedOnPurpose) && history.CrashExitCode == null;

    private static string? Crashed(ContainerSnapshot container, ContainerHistory history) => container switch
    {
        { Status: "restarting" } => $"crashed (exit code {container.ExitCode}) and is restarting",
        { HasExited: true } => $"exited with code {container.ExitCode}",
        _ when history.CrashExitCode is { } code => $"crashed (exit code {code}) and was restarted",
        _ => null,
    };
}
