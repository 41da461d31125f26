using System.Text.RegularExpressions;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Backup;

/// <summary>Backup, VerifyBackup and Restore on a real (small) stack with real data, through ./build.sh.</summary>
[Trait(TestTiers.Trait, TestTiers.Integration)]
[Collection(FixtureStacks.Name)]
public sealed class BackupRoundTripTests(BackupFixture fixture) : IClassFixture<BackupFixture>, IDisposable
{
    private readonly string _repository = Directory.CreateTempSubdirectory("mlstack-backup-repo-").FullName;

    private static void Succeeded(ProcessResult result)
    {
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.DoesNotContain(BackupFixture.Password, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backup_then_VerifyBackup_reproduces_every_count_records_it_and_leaves_nothing_behind()
    {
        var live = await fixture.DataAsync();
        var backup = await fixture.BuildAsync(_repository, "Backup");
        Succeeded(backup);
        Assert.Contains("Prometheus is not included", backup.Output, StringComparison.Ordinal);
        Assert.Matches(@"objectstore's files copied in [\d.]+s, unchanged during the copy", backup.Output);

        var verify = await fixture.BuildAsync(_repository, "VerifyBackup");
        Succeeded(verify);
        Assert.Contains($"counts match the manifest ({live.Rows} rows in 1 tables, {live.Keys} redis keys, {live.Objects} objects)", verify.Output, StringComparison.Ordinal);
        // The scratch stack is smoked like the stack it stands in for: here the data services alone, so objectstore's
        // checks, which run from ml-service, are named as not run.
        Assert.Matches($@"SmokeTest: [1-9]\d* checks passed in [\d.]+s against {fixture.Stack.Project.Name}verify", verify.Output);
        Assert.Contains("no smoke check of objectstore can run", verify.Output, StringComparison.Ordinal);
        Assert.Empty(await BackupFixture.LeftoversAsync($"^{fixture.Stack.Project.Name}(verify|_backupstage)"));

        var list = await fixture.BuildAsync(_repository, "Backups");
        Succeeded(list);
        Assert.Matches($@"{BackupFixture.BackupId(backup)}\s+\S+ \S+\s+[0-9a-f]{{7,12}}(-dirty)?\s+dev\s+[\d.]+ MB\s+[\d.]+ MB\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d", list.Output);
        Assert.True(new DirectoryInfo(_repository).UnixFileMode == (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute), "the repository folder is private (0700)");
    }

    [Fact]
    public async Task A_second_backup_of_unchanged_data_adds_under_a_tenth_of_its_size()
    {
        Succeeded(await fixture.BuildAsync(_repository, "Backup"));
        var second = await fixture.BuildAsync(_repository, "Backup");
        Succeeded(second);
        var summary = Regex.Match(second.Output, @"restic: snapshot \w+, (\d+) bytes, (\d+) added");
        Assert.True(summary.Success, second.Output);
        var (size, added) = (long.Parse(summary.Groups[1].Value), long.Parse(summary.Groups[2].Value));
        Assert.True(size > 4_000_000, $"the data set is {size} bytes");
        Assert.True(added < size / 10, $"the second backup added {added} of {size} bytes");
    }

    /// <summary>An unchanged database keeps the staged dump; a committed change, even one that leaves every count as it
    /// was, must not.</summary>
    [Fact]
    public async Task A_backup_after_a_committed_change_takes_the_dump_again()
    {
        Succeeded(await fixture.BuildAsync(_repository, "Backup"));
        var postgres = (await fixture.Stack.Engine.SnapshotAsync(TestContext.Current.CancellationToken)).Single(c => c.Service == "postgres").Id;
        var update = await ChildProcess.RunAsync("docker", ["exec", postgres, "psql", "-U", "fixture_admin", "-d", "mlstack", "-v", "ON_ERROR_STOP=1", "-c", "UPDATE items SET name = name WHERE id = 1"]);
        Assert.True(update.ExitCode == 0, update.Output);

        var after = await fixture.BuildAsync(_repository, "Backup");
        Succeeded(after);
        Assert.DoesNotContain("nothing committed since the last backup's dumps", after.Output, StringComparison.Ordinal);
        Assert.Matches(@"postgres: mlstack \d+ bytes in \d+s", after.Output);
    }

    /// <summary>An unlogged table can lose its rows without a transaction (a crash empties it), so the transaction key
    /// cannot vouch for it: a database that has one is dumped at every backup.</summary>
    [Fact]
    public async Task A_database_with_an_unlogged_table_is_dumped_at_every_backup()
    {
        var postgres = (await fixture.Stack.Engine.SnapshotAsync(TestContext.Current.CancellationToken)).Single(c => c.Service == "postgres").Id;
        async Task PsqlAsync(string sql)
        {
            var result = await ChildProcess.RunAsync("docker", ["exec", postgres, "psql", "-U", "fixture_admin", "-d", "optuna", "-v", "ON_ERROR_STOP=1", "-c", sql]);
            Assert.True(result.ExitCode == 0, result.Output);
        }

        await PsqlAsync("CREATE UNLOGGED TABLE scratch_cache (id int)");
        try
        {
            Succeeded(await fixture.BuildAsync(_repository, "Backup"));
            var again = await fixture.BuildAsync(_repository, "Backup");
            Succeeded(again);
            Assert.DoesNotContain("nothing committed since the last backup's dumps", again.Output, StringComparison.Ordinal);
            Assert.Matches(@"postgres: optuna \d+ bytes in \d+s", again.Output);
        }
        finally
        {
            await PsqlAsync("DROP TABLE scratch_cache");
        }
    }

    /// <summary>Retention decides on the repository's list, which a backup reads from the backups' records when they
    /// describe every backup (no restic command, so no key derivation) and from restic when one has no record: both
    /// must lead to the same decision.</summary>
    [Fact]
    public async Task Retention_removes_the_oldest_backup_whether_the_list_comes_from_the_records_or_from_restic()
    {
        string[] keepTwo = ["--keep-last", "2", "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0"];
        var ids = new List<string>();
        async Task<ProcessResult> BackupAsync()
        {
            var result = await fixture.BuildAsync(_repository, ["Backup", .. keepTwo]);
            Succeeded(result);
            ids.Add(BackupFixture.BackupId(result));
            return result;
        }

        await BackupAsync();
        await BackupAsync();
        var third = await BackupAsync();
        Assert.Contains("list: the repository's backups, from their records", third.Output, StringComparison.Ordinal);
        Assert.Contains($"retention removed 1 of 3 backups: {ids[0]}", third.Output, StringComparison.Ordinal);

        // A backup without a record, as one restic took by itself: the list comes from restic.
        File.Delete(Path.Combine(_repository, "mlstack-records", $"{ids[1]}.json"));
        var fourth = await BackupAsync();
        Assert.DoesNotContain("from their records", fourth.Output, StringComparison.Ordinal);
        Assert.Contains($"retention removed 1 of 3 backups: {ids[1]}", fourth.Output, StringComparison.Ordinal);

        var list = await fixture.BuildAsync(_repository, "Backups");
        Succeeded(list);
        Assert.Equal([ids[2], ids[3]], Regex.Matches(list.Output, @"^(?:Backups: )?([0-9a-f]{8}) ", RegexOptions.Multiline).Select(m => m.Groups[1].Value));
    }

    [Fact]
    public async Task A_damaged_repository_is_refused_by_VerifyBackup_and_Restore_before_anything_is_touched()
    {
        var backup = await fixture.BuildAsync(_repository, "Backup");
        Succeeded(backup);
        var pack = new DirectoryInfo(Path.Combine(_repository, "data")).EnumerateFiles("*", SearchOption.AllDirectories).MaxBy(f => f.Length)!;
        using (var stream = pack.Open(FileMode.Open))
            stream.SetLength(stream.Length / 2);
        var before = await fixture.Stack.Engine.SnapshotAsync(TestContext.Current.CancellationToken);
        var data = await fixture.DataAsync();

        var verify = await fixture.BuildAsync(_repository, "VerifyBackup");
        Assert.NotEqual(0, verify.ExitCode);
        Assert.Contains("repository damaged", verify.Output, StringComparison.Ordinal);
        Assert.Contains(pack.Name[..8], verify.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("scratch project", verify.Output, StringComparison.Ordinal);

        var restore = await fixture.BuildAsync(_repository, "Restore", "--yes", "--backup", BackupFixture.BackupId(backup));
        Assert.NotEqual(0, restore.ExitCode);
        Assert.Contains("repository damaged", restore.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("safety backup", restore.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(BackupFixture.Password, verify.Output + restore.Output, StringComparison.Ordinal);

        Assert.Empty(Directory.GetFiles(Path.Combine(RepositoryRoot.Path, ".nuke", "temp"), $"{fixture.Stack.Project.Name}verify*")); // the scratch compose file

        var after = await fixture.Stack.Engine.SnapshotAsync(TestContext.Current.CancellationToken);
        Assert.Equal(before.Select(c => (c.Id, c.StartedAt)).Order(), after.Select(c => (c.Id, c.StartedAt)).Order());
        Assert.Equal(data, await fixture.DataAsync());
    }

    [Fact]
    public async Task Restore_brings_back_deleted_rows_and_objects_and_drops_what_came_after()
    {
        var original = await fixture.DataAsync();
        var backup = await fixture.BuildAsync(_repository, "Backup");
        Succeeded(backup);
        var damaged = await fixture.DataAsync("damage");
        Assert.False(damaged.RowOne);

        var refused = await fixture.BuildAsync(_repository, "Restore", "--backup", BackupFixture.BackupId(backup));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("add --yes to confirm", refused.Output, StringComparison.Ordinal);

        var restore = await fixture.BuildAsync(_repository, "Restore", "--yes", "--backup", BackupFixture.BackupId(backup));
        Succeeded(restore);
        Assert.Contains("safety backup", restore.Output, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Count(restore.Output, @"SmokeTest: [1-9]\d* checks passed")); // the scratch stack, then the restored one
        Assert.Equal(original, await fixture.DataAsync());
    }

    public void Dispose() => Directory.Delete(_repository, recursive: true);
}
