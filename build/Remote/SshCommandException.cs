using Mlstack.Build.Core;

namespace Mlstack.Build.Remote;

/// <summary>A command on the VM failed or ran past its time limit. The message is one line;
/// <see cref="CommandFailedException.ExitCode"/> is null when the command was stopped for its timeout.</summary>
public sealed class SshCommandException(string message, int? exitCode, IReadOnlyList<string>? lastLines = null)
    : CommandFailedException(message, exitCode, lastLines);

/// <summary>What a command on the VM returned.</summary>
public sealed record RemoteCommandResult(string Command, int ExitCode, string Output, string Error)
{
    /// <summary>Throws with the exit code and the last lines of stderr (else stdout) when the command failed.</summary>
    public RemoteCommandResult EnsureSuccess()
    {
        if (ExitCode == 0)
            return this;
        var text = string.IsNullOrWhiteSpace(Error) ? Output : Error;
        // The message shows the last three lines; the exception keeps more for whoever reports it.
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(20).ToList();
        var last = string.Join(" | ", lines.TakeLast(3));
        throw new SshCommandException($"'{Shorten(Command)}' exited with code {ExitCode} on the VM{(last.Length > 0 ? $": {last}" : "")}", ExitCode, lines);
    }

    internal static string Shorten(string command) => command.Length <= 80 ? command : command[..77] + "...";
}
