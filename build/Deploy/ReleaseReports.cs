using System.Globalization;
using Mlstack.Build.Core;

namespace Mlstack.Build.Deploy;

/// <summary>The tables Releases and Audit print.</summary>
public static class ReleaseReports
{
    public static void Releases(IReadOnlyList<ReleaseListing> releases, string host, DeployOptions options, BuildLog log)
    {
        if (releases.Count == 0)
        {
            log.Report($"No releases on {host} under {options.DeployPath}: deploy one with ./build.sh Deploy --host {options.Host}.");
            return;
        }

        log.Report($"{"release",-26}{"git sha",-10}{"created (UTC)",-22}{"status",-13}");
        foreach (var (release, current, lastGood) in releases)
        {
            var marks = string.Join(", ", new[] { current ? "current" : null, lastGood ? "last good" : null }.OfType<string>());
            log.Report($"{release.Id,-26}{DeployAudit.ShortSha(release.GitSha),-10}{Utc(release.Created),-22}{release.Status.Wire(),-13}{marks}");
        }
    }

    public static void Audit(IReadOnlyList<AuditEntry> entries, string host, BuildLog log)
    {
        if (entries.Count == 0)
            log.Report($"No deploys recorded on {host}.");
        foreach (var e in entries)
            log.Report($"{Utc(e.End)}  {e.Outcome.Wire(),-20} {e.Release,-26} {e.User}@{e.Machine}  git {DeployAudit.ShortSha(e.GitSha)}  {(e.End - e.Start).TotalSeconds:0}s  {e.Reason}");
    }

    private static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
