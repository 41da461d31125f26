using System.Globalization;

namespace Mlstack.Build.Backup;

/// <summary>The newest backup's time as Prometheus reads it (alert BackupTooOld, stack/config/prometheus/alerts.yml):
/// a file in node-exporter's textfile format in the stack's <c>records</c> volume, which node-exporter serves. Written
/// after every backup that succeeded, so the alert follows the newest one whoever took it (by hand, nightly, Deploy).</summary>
public static class BackupAlertRecord
{
    public const string Metric = "mlstack_backup_last_success_timestamp_seconds";

    /// <summary>compose.yaml's volume (its name in the project: &lt;project&gt;_records).</summary>
    public const string Volume = "records";

    public const string FileName = "backup.prom";

    public static string Text(DateTimeOffset takenAt) =>
        $"# HELP {Metric} When the newest backup of this stack succeeded (Unix seconds), written by ./build.sh Backup.\n" +
        $"# TYPE {Metric} gauge\n" +
        $"{Metric} {takenAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}\n";

    /// <summary>Writes the record into the project's records volume, with <paramref name="image"/> (the backup helper's)
    /// as the container that is never started; a project without the volume is a <see cref="BackupException"/>.</summary>
    public static async Task WriteAsync(BackupEngine engine, string image, string project, DateTimeOffset takenAt, CancellationToken ct)
    {
        var volume = await engine.VolumeAsync(project, Volume, ct).ConfigureAwait(false);
        await engine.WriteFileToVolumeAsync(image, volume, FileName, Text(takenAt), ct).ConfigureAwait(false);
    }
}
