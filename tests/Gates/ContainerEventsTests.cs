using Mlstack.Build.Gates;

namespace Mlstack.Tests.Gates;

/// <summary>What the gate remembers of a container from its events, including a stop that straddles the gate's start
/// (a rollback's gate starting while the failed release's compose still stops a container).</summary>
public sealed class ContainerEventsTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 21, 22, 37, TimeSpan.Zero);

    private static ContainerHistory Replay(params (string Action, string? Signal, long? Exit, double SecondsFromStart)[] events) =>
        events.Aggregate(ContainerHistory.None, (h, e) => ContainerEvents.Apply(h, e.Action, e.Signal, e.Exit, Start.AddSeconds(e.SecondsFromStart), Start) ?? h);

    [Fact]
    public void A_SIGTERM_just_before_the_gate_and_the_exit_just_after_is_a_stop_not_a_crash()
    {
        var history = Replay(("kill", "15", null, -1), ("die", null, 0, 1), ("stop", null, null, 1), ("start", null, null, 39));

        Assert.Null(history.CrashExitCode);
    }

    [Fact]
    public void A_worker_finishing_its_task_for_two_minutes_after_its_SIGTERM_has_stopped_not_crashed()
    {
        var history = Replay(("kill", "15", null, -100), ("die", null, 0, 15));

        Assert.Null(history.CrashExitCode);
    }

    [Fact]
    public void An_exit_of_its_own_during_the_gate_is_a_crash_even_once_restarted()
    {
        var history = Replay(("start", null, null, 1), ("die", null, 0, 5), ("start", null, null, 6));

        Assert.Equal(0, history.CrashExitCode);
        Assert.False(history.StoppedOnPurpose);
    }

    [Fact]
    public void A_stop_long_before_the_gate_or_a_reload_signal_does_not_excuse_a_later_exit()
    {
        Assert.Equal(3, Replay(("kill", "15", null, -200), ("die", null, 3, 2)).CrashExitCode);
        Assert.Equal(3, Replay(("kill", "1", null, -2), ("die", null, 3, 2)).CrashExitCode);
    }

    [Fact]
    public void A_container_stopped_and_started_again_before_the_gate_that_then_exits_has_crashed()
    {
        var history = Replay(("kill", "15", null, -20), ("die", null, 0, -19), ("stop", null, null, -19), ("start", null, null, -2), ("die", null, 1, 3));

        Assert.Equal(1, history.CrashExitCode);
    }

    [Fact]
    public void Events_from_before_the_gate_other_than_a_stop_are_not_its_concern()
    {
        Assert.Null(ContainerEvents.Apply(ContainerHistory.None, "die", null, 1, Start.AddSeconds(-1), Start));
        Assert.Equal(ContainerHistory.None, ContainerEvents.Apply(ContainerHistory.None, "health_status: healthy", null, null, Start.AddSeconds(1), Start));
    }
}
