using Mlstack.Build.Core;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Doctor;

/// <summary>Installs Debian's docker.io / docker-compose and starts dockerd in the background, the way this machine
/// needs it: no systemd, so dockerd is started detached and we wait for its socket.</summary>
public static class EngineInstaller
{
    public static bool CanInstall => DebianPackages.CanInstall;

    public static Task InstallPackagesAsync(IReadOnlyList<string> packages, BuildLog log, CancellationToken ct) =>
        DebianPackages.InstallAsync("Doctor", packages, log, ct);

    /// <summary>Starts dockerd detached (setsid, output to a log file) so this build can exit while it runs on.</summary>
    public static async Task StartDaemonAsync(Uri endpoint, string logFile, BuildLog log, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        log.Info($"Doctor: starting dockerd in the background (log: {logFile})");
        await ToolRunner.RunCheckedAsync("sh", ["-c", $"setsid dockerd >'{logFile}' 2>&1 </dev/null &"], log, Verbosity.Verbose, ct: ct).ConfigureAwait(false);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (await EngineProbe.TryVersionAsync(endpoint, ct).ConfigureAwait(false) != null)
                return;
            await Task.Delay(500, ct).ConfigureAwait(false);
        }

        var tail = File.Exists(logFile) ? string.Join(" | ", File.ReadLines(logFile).TakeLast(3)) : "no log";
        throw new EngineUnavailableException($"dockerd did not answer at {endpoint} within 60 s; its log ({logFile}) ends: {tail}");
    }
}
