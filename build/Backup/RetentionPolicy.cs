using System.Globalization;

namespace Mlstack.Build.Backup;

/// <summary>restic's --keep-last/--keep-daily/--keep-weekly/--keep-monthly, decided here so two rules restic does not have
/// hold: the newest verified backup is always kept, and a decision to remove every backup is refused.</summary>
/// <param name="Last">The newest N backups whatever their day: a backup taken after something went wrong the same
/// day must not push out the one from before.</param>
public sealed record RetentionPolicy(int Daily = 7, int Weekly = 4, int Monthly = 6, int Last = 3)
{
    /// <summary>The backups to remove. Each rule keeps the newest backup of each of its last N days (weeks, months)
    /// that have one, as restic does.</summary>
    public IReadOnlyList<BackupEntry> ToRemove(IReadOnlyList<BackupEntry> backups)
    {
        if (backups.Count == 0)
            return [];
        var newestFirst = backups.OrderByDescending(b => b.Time).ToList();
        var keep = newestFirst.Take(Math.Max(0, Last)).Select(b => b.Id).ToHashSet(StringComparer.Ordinal);
        Keep(newestFirst, Daily, b => b.Time.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), keep);
        Keep(newestFirst, Weekly, b => $"{ISOWeek.GetYear(b.Time.UtcDateTime)}-W{ISOWeek.GetWeekOfYear(b.Time.UtcDateTime)}", keep);
        Keep(newestFirst, Monthly, b => b.Time.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture), keep);
        if (newestFirst.FirstOrDefault(b => b.VerifiedAt != null) is { } verified)
            keep.Add(verified.Id);
        var remove = newestFirst.Where(b => !keep.Contains(b.Id)).ToList();
        return remove.Count == backups.Count
            ? throw new BackupException($"retention would remove all {backups.Count} backups; refused (check --keep-last/--keep-daily/--keep-weekly/--keep-monthly).")
            : remove;
    }

    private static void Keep(List<BackupEntry> newestFirst, int count, Func<BackupEntry, string> bucket, HashSet<string> keep)
    {
        foreach (var group in newestFirst.GroupBy(bucket).Take(Math.Max(0, count)))
            keep.Add(group.First().Id);
    }
}
