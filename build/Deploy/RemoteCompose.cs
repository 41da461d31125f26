using Mlstack.Build.Core;
using Mlstack.Build.Doctor;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Deploy;

/// <summary>Compose on the VM: its CLI (v2 plugin first, then v1, as Doctor looks locally), a release's project in
/// VM paths, and a <see cref="ComposeCommand"/> that runs over SSH — so Up's gate drives a VM exactly as it drives
/// this machine.</summary>
public static class RemoteCompose
{
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(15);

    public static async Task<ComposeCli> FindAsync(IRemoteShell vm, CancellationToken ct) =>
        await TryFindAsync(vm, ct).ConfigureAwait(false)
            ?? throw new CommandFailedException($"{vm.Target.Host} has no Compose CLI (docker compose or docker-compose); run ./build.sh Bootstrap --host {vm.Target.Host} first.", null);

    public static async Task<ComposeCli?> TryFindAsync(IRemoteShell vm, CancellationToken ct)
    {
        foreach (var candidate in ComposeProbe.Candidates)
        {
            var probe = await vm.RunAsync(Command(candidate.File, [.. candidate.Prefix, "version", "--short"]), TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
            if (probe.ExitCode == 0 && probe.Output.Trim().Length > 0)
                return candidate with { Version = probe.Output.Trim().Split('\n')[^1].TrimStart('v') };
        }

        return null;
    }

    /// <summary>The release's compose project on the VM: its files, its env file, and the project name every
    /// release shares, so named volumes carry over from one release to the next.</summary>
    public static ComposeProject Project(string projectName, string releaseDirectory, string environmentFile, ComposeCli cli) =>
        new(projectName, releaseDirectory, [$"{releaseDirectory}/compose.yaml", $"{releaseDirectory}/{environmentFile}"], $"{releaseDirectory}/.env", cli);

    public static ComposeCommand For(IRemoteShell vm, ComposeProject project) =>
        async (arguments, ct) =>
        {
            var result = await vm.RunAsync(Command(project.Cli.File, project.Arguments([.. arguments])), CommandTimeout, ct).ConfigureAwait(false);
            return new ToolResult(result.ExitCode, [.. (result.Output + result.Error).Split('\n', StringSplitOptions.RemoveEmptyEntries)]);
        };

    private static string Command(string file, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { file }.Concat(arguments).Select(AtomicUpload.Quote));
}
