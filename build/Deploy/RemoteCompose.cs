using Mlstack.Build.Core;
using Mlstack.Build.Doctor;
using Mlstack.Build.Engine;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Deploy;

/// <summary>Compose on the VM: its CLI (v2 plugin first, then v1, as Doctor looks locally), a release's project in
/// VM paths, and a <see cref="ComposeCommand"/> that runs over SSH — so Up's gate drives a VM exactly as it drives
/// this machine.</summary>
public static class RemoteCompose
{
    public static async Task<ComposeCli> FindAsync(IRemoteShell vm, CancellationToken ct) =>
        await TryFindAsync(vm, ct).ConfigureAwait(false)
            ?? throw new CommandFailedException($"{vm.Target.Host} has no Compose CLI (docker compose or docker-compose); run ./build.sh Bootstrap --host {vm.Target.Host} first.", null);

    public static async Task<ComposeCli?> TryFindAsync(IRemoteShell vm, CancellationToken ct) =>
        await ComposeDiscovery.FindAsync(async (file, arguments, token) =>
        {
            var probe = await vm.RunAsync(RemoteComposeCommand.ShellLine(file, arguments), TimeSpan.FromSeconds(30), token).ConfigureAwait(false);
            return (probe.ExitCode, probe.Output);
        }, ct).ConfigureAwait(false) is (var candidate, var version)
            ? new ComposeCli(candidate.File, candidate.Prefix, version)
            : null;

    /// <summary>The release's compose project on the VM: its files, its env file, and the project name every
    /// release shares, so named volumes carry over from one release to the next.</summary>
    public static ComposeProject Project(string projectName, string releaseDirectory, string environmentFile, ComposeCli cli) =>
        new(projectName, releaseDirectory, [$"{releaseDirectory}/compose.yaml", $"{releaseDirectory}/{environmentFile}"], $"{releaseDirectory}/.env", cli);

    public static ComposeCommand For(IRemoteShell vm, ComposeProject project) => RemoteComposeCommand.For(vm, project);
}
