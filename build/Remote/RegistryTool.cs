using Mlstack.Build.Core;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Remote;

/// <summary>Makes sure Debian's <c>docker-registry</c> is here before a shipment starts one: a fresh machine lacks it,
/// and as root on Debian/Ubuntu the build installs it the way Doctor installs Docker and BaseImage installs
/// debootstrap (<see cref="DebianPackages"/>); elsewhere it stops with one line saying what to install.</summary>
internal static class RegistryTool
{
    public const string Package = "docker-registry";

    /// <summary>What the decision asks of the machine; tests pass their own so the decision runs without root or apt.</summary>
    internal sealed record Machine(
        Func<string, bool> IsOnPath,
        Func<bool> CanInstall,
        Func<string, IReadOnlyList<string>, BuildLog, CancellationToken, Task> InstallAsync);

    private static readonly Machine ThisMachine = new(ToolRunner.IsOnPath, () => DebianPackages.CanInstall, DebianPackages.InstallAsync);

    public static Task EnsureAsync(BuildLog log, CancellationToken ct) => EnsureAsync(ThisMachine, log, ct);

    internal static async Task EnsureAsync(Machine machine, BuildLog log, CancellationToken ct)
    {
        if (machine.IsOnPath(Package))
            return;
        if (!machine.CanInstall())
            throw NotInstalled();
        log.Info($"Deploy: {Package} is not installed; installing it with apt-get (it moves images to the VM without a registry anywhere)");
        await machine.InstallAsync("Deploy", [Package], log, ct).ConfigureAwait(false);
    }

    /// <summary>The one line for a machine the build cannot install on (not root, or no apt-get).</summary>
    public static ToolNotFoundException NotInstalled(Exception? inner = null) =>
        new(Package, $"{Package} is not installed; apt-get install {Package} (it moves images to the VM without a registry anywhere).", inner);
}
