namespace Mlstack.Build.Gates;

/// <summary>How one container event changes what the gate knows of that container. Pure, so the races it handles
/// are tested by value.</summary>
public static class ContainerEvents
{
    /// <summary>How far before the gate's start a stop still counts: the longest stop grace in the stack (worker-heavy
    /// finishes its task for up to 120 s on a warm shutdown) with room to spare.</summary>
    public static readonly TimeSpan StopLookBack = TimeSpan.FromSeconds(135);

    /// <summary>The history after the event, or null when the event is from before the gate and changes nothing.</summary>
    /// <remarks>A stop that straddles the gate's start — its SIGTERM just before, its exit just after — is a stop, not a
    /// crash: when a failed release's compose up is cut off mid-recreate and the rollback's gate starts at once, the
    /// old container's exit arrives after the new gate started (seen in DeployTests: worker-light "crashed (exit code
    /// 0)" because its kill came 2 s before the gate). So a SIGTERM or SIGKILL (or a stop) from shortly before the
    /// start still marks the container as stopped on purpose, and a start from then clears that again (Restore stops
    /// its writers and starts them before its gate: their crash after it is still a crash). Exits from before the
    /// start do not count.</remarks>
    public static ContainerHistory? Apply(ContainerHistory history, string action, string? signal, long? exitCode, DateTimeOffset time, DateTimeOffset gateStart)
    {
        var stopping = action == "stop" || (action == "kill" && signal is null or "15" or "9");
        if (time < gateStart)
        {
            if (time < gateStart - StopLookBack)
                return null;
            return stopping ? history with { StoppedOnPurpose = true }
                : action == "start" ? history with { StoppedOnPurpose = false }
                : null;
        }

        return action switch
        {
            "kill" or "stop" => history with { StoppedOnPurpose = true },
            "die" => history.StoppedOnPurpose ? history : history with { CrashExitCode = exitCode ?? -1 },
            "start" => history with { StoppedOnPurpose = false },
            _ => history, // health_status, exec_*, …: nothing to remember, but the gate looks again
        };
    }
}
