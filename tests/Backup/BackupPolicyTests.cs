using Mlstack.Build.Backup;

namespace Mlstack.Tests.Backup;

/// <summary>The decisions around a backup that need no engine: which counts differ, which backups retention removes.</summary>
public sealed class BackupPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static BackupEntry At(string id, TimeSpan ago, bool verified = false) =>
        new(id, Now - ago, [], 1, 1, verified ? Now : null);

    [Fact]
    public void Equal_counts_differ_in_nothing()
    {
        var counts = new Dictionary<string, long> { ["postgres/mlstack/public.items"] = 3, ["redis/keys"] = 2 };
        Assert.Empty(BackupManifest.Differences(counts, new Dictionary<string, long>(counts)));
    }

    [Fact]
    public void A_changed_missing_or_extra_count_is_named_with_both_values()
    {
        var expected = new Dictionary<string, long> { ["postgres/mlstack/public.items"] = 3, ["redis/keys"] = 2, ["objects/models"] = 4 };
        var actual = new Dictionary<string, long> { ["postgres/mlstack/public.items"] = 2, ["redis/keys"] = 2, ["objects/datasets"] = 1 };
        Assert.Equal(
            ["objects/datasets: expected none, found 1", "objects/models: expected 4, found none", "postgres/mlstack/public.items: expected 3, found 2"],
            BackupManifest.Differences(expected, actual));
    }

    [Fact]
    public void The_manifest_the_helper_writes_parses()
    {
        var manifest = BackupManifest.Parse("""
            {"format":1,"project":"mlstack","environment":"dev","gitSha":"abc","release":"abc-dirty","createdAt":"2026-11-24T02:58:09Z",
             "images":{"postgres":"sha256:1"},"versions":{"postgres":"15.20","redis":"7.0.15","restic":"0.14.0"},
             "artifacts":[{"path":"postgres/mlstack.dump","sha256":"ff","bytes":6482}],"counts":{"redis/keys":5,"objects/models.bytes":18513}}
            """);
        Assert.Equal(6482, manifest.Artifacts[0].Bytes);
        Assert.Equal(5, manifest.Counts["redis/keys"]);
    }

    [Fact]
    public void Retention_keeps_the_newest_of_each_day_week_and_month_and_the_last_few()
    {
        // Hourly backups over 100 days: keep-last 3, one per day for 7 days, per week for 4 weeks, per month for 6 months.
        var backups = Enumerable.Range(0, 100 * 24).Select(h => At($"b{h:D4}", TimeSpan.FromHours(h))).ToList();
        var removed = new RetentionPolicy(Daily: 7, Weekly: 4, Monthly: 6, Last: 3).ToRemove(backups).Select(b => b.Id).ToHashSet();
        var kept = backups.Where(b => !removed.Contains(b.Id)).ToList();
        Assert.Contains(kept, b => b.Id == "b0000");
        Assert.Contains(kept, b => b.Id == "b0002");
        Assert.InRange(kept.Count, 10, 3 + 7 + 4 + 6);
        Assert.Equal(kept.Count, kept.Select(b => b.Id).Distinct().Count());
        Assert.Contains(kept, b => b.Time < Now.AddDays(-60)); // a monthly one reaches back past the weeks
    }

    [Fact]
    public void Retention_never_removes_the_newest_verified_backup()
    {
        var backups = Enumerable.Range(0, 10).Select(d => At($"d{d}", TimeSpan.FromDays(d) + TimeSpan.FromHours(1), verified: d == 9)).ToList();
        var removed = new RetentionPolicy(Daily: 2, Weekly: 0, Monthly: 0, Last: 0).ToRemove(backups);
        Assert.DoesNotContain(removed, b => b.Id == "d9");
        Assert.Contains(removed, b => b.Id == "d8");
    }

    [Fact]
    public void Retention_that_would_remove_every_backup_is_refused()
    {
        var backups = new[] { At("a", TimeSpan.FromDays(1)), At("b", TimeSpan.FromDays(2)) };
        var e = Assert.Throws<BackupException>(() => new RetentionPolicy(0, 0, 0, 0).ToRemove(backups));
        Assert.Contains("would remove all 2 backups", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_helper_image_dumps_with_the_stacks_PostgreSQL_major_version()
    {
        static string Major(string dockerfile, string pattern) =>
            System.Text.RegularExpressions.Regex.Match(File.ReadAllText(Path.Combine(Support.RepositoryRoot.Path, "docker", dockerfile, "Dockerfile")), pattern).Groups[1].Value;
        var server = Major("postgres", @"postgresql-(\d+)");
        Assert.NotEmpty(server);
        Assert.Equal(server, Major("backup", @"ARG PG_MAJOR=(\d+)"));
    }
}
