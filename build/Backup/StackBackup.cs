using System.Diagnostics;
using System.Text.Json;
using Mlstack.Build.Core;
using Mlstack.Build.Remote;

namespace Mlstack.Build.Backup;

/// <summary>Where a backup comes from: written into its manifest and its restic tags (release=, purpose=).</summary>
/// <param name="Release">The release the stack runs: a VM's release id, or this checkout's revision.</param>
/// <param name="Purpose">Why it was taken when not by hand: before-deploy-of-ID, safety-before-restore-of-ID.</param>
public sealed record BackupOrigin(string Environment, string GitSha, string Release, string? Purpose = null);

/// <summary>One application-consistent backup of a running stack, in one helper container: the object store's files,
/// copied while it keeps serving and proven unchanged during the copy (no pause: see mlstack-backup.sh), then
/// pg_dumpall --globals-only, pg_dump -Fc per database (again only when PostgreSQL wrote since the last one) and
/// Redis's RDB, a manifest, and all of it into restic. Prometheus is left out: its metrics are rebuilt by scraping.</summary>
public static class StackBackup
{
    public static readonly string[] DataServices = ["postgres", "redis", "objectstore"];

    public static async Task<BackupEntry> RunAsync(BackupHelper helper, BackupTarget target, BackupOrigin origin, RetentionPolicy? retention, BuildLog log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var engine = helper.Engine;
        var network = await engine.NetworkAsync(target.Project, "backend", ct).ConfigureAwait(false);
        var containers = await engine.ContainersAsync(target.Project, ct).ConfigureAwait(false);
        foreach (var service in DataServices.Where(s => !containers.Any(c => BackupEngine.ServiceOf(c) == s && c.State == "running")))
            throw new BackupException($"{helper.Prefix}: {service} of project {target.Project} is not running; start the stack (./build.sh Up) and try again.");
        var images = containers.Where(c => BackupEngine.ServiceOf(c) != null).GroupBy(c => BackupEngine.ServiceOf(c)!).ToDictionary(g => g.Key, g => g.MaxBy(c => c.Created)!.ImageID);
        log.Info($"{helper.Prefix}: Prometheus is not included (its metrics are rebuilt by scraping)");

        var stage = await helper.Engine.CreateVolumeAsync(CacheVolume(target.Project), ct).ConfigureAwait(false);
        var environment = new Dictionary<string, string>(target.Environment)
        {
            ["MLSTACK_PROJECT"] = target.Project,
            ["MLSTACK_ENVIRONMENT"] = origin.Environment,
            ["MLSTACK_GIT_SHA"] = origin.GitSha,
            ["MLSTACK_RELEASE"] = origin.Release,
            ["MLSTACK_PURPOSE"] = origin.Purpose ?? string.Empty,
            ["MLSTACK_IMAGES"] = JsonSerializer.Serialize(images),
        };
        var redisData = await engine.VolumeAsync(target.Project, "redisdata", ct).ConfigureAwait(false);
        var objectData = await engine.VolumeAsync(target.Project, "objectdata", ct).ConfigureAwait(false);
        var markers = await helper.RunAsync(["backup"], network, [$"{stage}:/stage", $"{redisData}:/redis:ro", $"{objectData}:/objects:ro"], environment, ct).ConfigureAwait(false);
        var record = JsonSerializer.Deserialize<BackupRecord>(markers["RESULT"], BuildJson.Options)!;
        log.Success($"{helper.Prefix}: backup {record.Id[..8]} of {target.Project}: {Bytes.Format(record.Size)}, {Bytes.Format(record.Added)} added, in {clock.Elapsed.TotalSeconds:0.0}s");
        await RecordForAlertsAsync(helper, target.Project, DateTimeOffset.UtcNow, log, ct).ConfigureAwait(false);
        if (retention != null) // the backup step lists the repository after its backup: no second helper for it
            await ApplyRetentionAsync(helper, retention, BackupEntry.ParseList(markers["LIST"]), log, ct).ConfigureAwait(false);
        return new BackupEntry(record.Id, DateTimeOffset.UtcNow, [], record.Size, record.Added, null);
    }

    /// <summary>Where backups of a project are staged, kept between them: a second backup copies only changed objects
    /// and restic reads only changed files. It costs the disk of one copy of the data.</summary>
    public static string CacheVolume(string project) => $"{project}_backupcache";

    private static async Task ApplyRetentionAsync(BackupHelper helper, RetentionPolicy retention, IReadOnlyList<BackupEntry> all, BuildLog log, CancellationToken ct)
    {
        var remove = retention.ToRemove(all);
        if (remove.Count == 0)
        {
            log.Info($"{helper.Prefix}: retention (last {retention.Last}, daily {retention.Daily}, weekly {retention.Weekly}, monthly {retention.Monthly}) keeps all {all.Count} backups");
            return;
        }

        await helper.RunAsync(["forget", .. remove.Select(b => b.Id)], null, [], null, ct).ConfigureAwait(false);
        log.Info($"{helper.Prefix}: retention removed {remove.Count} of {all.Count} backups: {string.Join(", ", remove.Select(b => b.ShortId))}");
    }

    /// <summary>The newest backup's time where Prometheus reads it (<see cref="BackupAlertRecord"/>). A stack from before
    /// the alerts has no such volume: nothing to record. A record that cannot be written leaves the backup good; the
    /// alert BackupTooOld will say it is missing, and this warning why.</summary>
    private static async Task RecordForAlertsAsync(BackupHelper helper, string project, DateTimeOffset takenAt, BuildLog log, CancellationToken ct)
    {
        try
        {
            await BackupAlertRecord.WriteAsync(helper.Engine, helper.Image, project, takenAt, ct).ConfigureAwait(false);
        }
        catch (BackupException)
        {
            log.Info($"{helper.Prefix}: {project} has no '{BackupAlertRecord.Volume}' volume (a stack from before the alerts): the backup's time is not recorded for BackupTooOld");
        }
        catch (Docker.DotNet.DockerApiException e)
        {
            log.Warn($"{helper.Prefix}: the backup is good, but its time could not be recorded for the alerts ({e.Message.Split('\n')[0]}): BackupTooOld may fire");
        }
    }

    private sealed record BackupRecord(string Id, long Size, long Added);
}
