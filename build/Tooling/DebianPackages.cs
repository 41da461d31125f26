using Mlstack.Build.Core;

namespace Mlstack.Build.Tooling;

/// <summary>Installs a missing tool from Debian's packages when the build can (root on Debian/Ubuntu), printing the
/// step under the name of the target that needs it; elsewhere the caller says what to install.</summary>
public static class DebianPackages
{
    public static bool CanInstall =>
        Environment.UserName == "root" && File.Exists("/etc/debian_version") && File.Exists("/usr/bin/apt-get");

    public static async Task InstallAsync(string target, IReadOnlyList<string> packages, BuildLog log, CancellationToken ct)
    {
        var environment = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        log.Info($"{target}: apt-get update");
        await ToolRunner.RunCheckedAsync("apt-get", ["update", "-qq"], log, Verbosity.Verbose, environment: environment, ct: ct).ConfigureAwait(false);
        log.Info($"{target}: apt-get install {string.Join(' ', packages)}");
        await ToolRunner.RunCheckedAsync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", .. packages], log, Verbosity.Verbose, environment: environment, ct: ct).ConfigureAwait(false);
    }
}
