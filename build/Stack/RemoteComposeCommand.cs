using Mlstack.Build.Remote;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Stack;

/// <summary>A <see cref="ComposeCommand"/> that runs Compose on a VM over SSH, for a project whose files are there:
/// Up's gate, the backup helper's scratch stacks and Deploy drive a VM exactly as they drive this machine.</summary>
public static class RemoteComposeCommand
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(15);

    public static ComposeCommand For(IRemoteShell vm, ComposeProject project) =>
        async (arguments, ct) =>
        {
            var result = await vm.RunAsync(ShellLine(project.Cli.File, project.Arguments([.. arguments])), Timeout, ct).ConfigureAwait(false);
            return new ToolResult(result.ExitCode, [.. (result.Output + result.Error).Split('\n', StringSplitOptions.RemoveEmptyEntries)]);
        };

    /// <summary>One POSIX shell line, every word quoted.</summary>
    public static string ShellLine(string file, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { file }.Concat(arguments).Select(AtomicUpload.Quote));
}
