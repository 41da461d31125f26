using Mlstack.Build.Backup;

namespace Mlstack.Build.Deploy;

/// <summary>What a rollback left of the data, for its closing lines.</summary>
public static class DataNotes
{
    /// <param name="host">--host as given, for the Restore command it suggests.</param>
    public static string For(BackupEntry? backup, string release, bool restored, string host) => backup switch
    {
        null => "data volumes untouched",
        _ when restored => $"data restored from backup {backup.ShortId} of {backup.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z",
        _ => $"data volumes untouched; backup {backup.ShortId} ({backup.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z{(backup.Tag("purpose") is { } why ? $", {why}" : "")}) holds {release}'s data: "
            + $"./build.sh Restore --host {host} --backup {backup.ShortId} --yes puts it back",
    };
}
