using Mlstack.Build.Core;

namespace Mlstack.Build.Deploy;

/// <summary>How far a deploy got: whether anything on the VM changed yet.</summary>
public enum SwitchPhase
{
    /// <summary>Lock, listing, files, backup, upload: the running stack and the links are as they were.</summary>
    NotStarted,

    /// <summary>From the new release's compose up until current and last_good point at it.</summary>
    Switching,

    /// <summary>The new release is current and last good; what follows (pruning, the audit line) changes no stack.</summary>
    Live,
}

/// <summary>What a deploy does about a failure.</summary>
public enum FailureResponse
{
    /// <summary>Nothing to undo: the failure is reported as it is.</summary>
    LeaveAsItWas,

    /// <summary>The SSH connection was lost, which is not the release's fault: the deploy reconnects and runs the step
    /// again (<c>VmLink</c>), where the release, still pending, carries on.</summary>
    RunAgainOnNewConnection,

    /// <summary>The VM goes back to the last good release (gated again), the release is marked failed, and the audit
    /// log says what failed.</summary>
    ReturnToLastGood,
}

/// <summary>The rollback rule, decided here only. Before the switch nothing on the VM changed, so nothing is undone.
/// Once the switch began, any failure — a gate, the smoke test, a command, a bug (any exception type), or Ctrl-C —
/// returns the VM to the last good release; only a lost connection is not the release's fault, and is run again.</summary>
public static class RollbackRule
{
    public static FailureResponse Decide(SwitchPhase phase, bool connectionAlive, bool cancelled) => phase switch
    {
        _ when !connectionAlive && !cancelled => FailureResponse.RunAgainOnNewConnection,
        SwitchPhase.Switching => FailureResponse.ReturnToLastGood,
        _ => FailureResponse.LeaveAsItWas,
    };

    /// <summary>The failure in a few words, for the log and the audit line: a build failure (a gate's, the smoke
    /// test's, a command's) by its message, Ctrl-C as such, anything else — a bug — with its type, so it is not taken for one of ours.</summary>
    public static string WhatFailed(Exception failure, bool cancelled) => failure switch
    {
        OperationCanceledException when cancelled => "cancelled (Ctrl-C)",
        BuildFailure => failure.Message,
        _ => $"{failure.GetType().Name}: {failure.Message}",
    };
}
