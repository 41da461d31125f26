using System.Text.Json;
using Mlstack.Build.Core;

namespace Mlstack.Build.Backup;

/// <summary>One backup in the repository: restic's snapshot and the helper's record of it (sizes, verification).</summary>
public sealed record BackupEntry(string Id, DateTimeOffset Time, IReadOnlyList<string> Tags, long? Size, long? Added, DateTimeOffset? VerifiedAt)
{
    public string ShortId => Id[..Math.Min(8, Id.Length)];

    public string? Tag(string name) => Tags.FirstOrDefault(t => t.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..];

    public static IReadOnlyList<BackupEntry> ParseList(string json) =>
        JsonSerializer.Deserialize<List<BackupEntry>>(json, BuildJson.Options)?.OrderBy(e => e.Time).ToList() ?? [];

    /// <summary>The backup an id (or its prefix) names; a one-line error when none or several do.</summary>
    public static BackupEntry Find(IReadOnlyList<BackupEntry> backups, string id)
    {
        var matches = backups.Where(b => b.Id.StartsWith(id, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new BackupException($"--backup {id}: no such backup in the repository; ./build.sh Backups lists them."),
            _ => throw new BackupException($"--backup {id}: names {matches.Count} backups; give more of the id."),
        };
    }
}
