namespace Mlstack.Build.Core;

/// <summary>The work itself failed: a service never became healthy, a check failed, a command exited non-zero, a
/// tool is missing. Distinct from a bug (any other exception) and from a user's mistake (<c>BuildInputException</c>),
/// so that callers decide by type, never by message: e.g. a deploy treats every exception after its switch began as a
/// reason to return to the last good release, and names a <see cref="BuildFailure"/> by its message alone.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix",
    Justification = "Abstract: nothing throws a BuildFailure itself; every concrete failure's name ends in Exception.")]
public abstract class BuildFailure(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A command (a local tool, Compose, or a shell command on a VM) exited non-zero. The message is one line;
/// <see cref="LastLines"/> keeps the end of its output for whoever reports it.</summary>
public class CommandFailedException(string message, int? exitCode, IReadOnlyList<string>? lastLines = null, Exception? inner = null)
    : BuildFailure(message, inner)
{
    /// <summary>Null when the command was stopped (its time limit, a lost connection) rather than exiting.</summary>
    public int? ExitCode { get; } = exitCode;

    public IReadOnlyList<string> LastLines { get; } = lastLines ?? [];
}
