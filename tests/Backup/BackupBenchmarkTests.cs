using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Backup;

/// <summary>Figures, not assertions (beyond each step succeeding): the stack's three data services seeded with
/// BENCH_ROWS rows (default 250,000) and BENCH_OBJECTS_MIB objects of 1 MiB (default 256); a first Backup, five of
/// unchanged data (the median is the figure), one more whose retention prunes, VerifyBackup — against <c>tar czf</c> of the same three volumes in a helper container, in the same
/// run. Explicit: <c>./build.sh Test --test-filter BackupBenchmark --test-explicit</c>; writes
/// .nuke/temp/reports/backup-benchmark.md.</summary>
[Trait(TestTiers.Trait, TestTiers.Integration)]
[Collection(EngineAlone.Name)]
public sealed partial class BackupBenchmarkTests(ITestOutputHelper output)
{
    private const string Seed = """
        import os, sys, time, psycopg, boto3
        rows, objects = int(sys.argv[1]), int(sys.argv[2])
        pg = psycopg.connect(host='postgres', user='fixture_admin', password='fixture-admin-pw', dbname='mlstack', autocommit=True)
        pg.execute("CREATE TABLE runs_bench (id int PRIMARY KEY, name text, score double precision, params text)")
        pg.execute("INSERT INTO runs_bench SELECT g, 'run ' || g, random(), md5(g::text) || md5((g * 7)::text) FROM generate_series(1, %s) g", (rows,))
        # Autovacuum's work on the bulk load, done now (its ANALYZE commits a transaction, as a change would).
        pg.execute("VACUUM (FREEZE, ANALYZE)")
        s3 = boto3.client('s3', endpoint_url='http://objectstore:9000', aws_access_key_id='fixture', aws_secret_access_key='fixture-s3-secret', region_name='us-east-1')
        s3.create_bucket(Bucket='models')
        for i in range(objects):
            s3.put_object(Bucket='models', Key=f'model-{i}.bin', Body=os.urandom(1 << 20))
        # A server at rest, as a nightly backup of a quiet stack meets it: the WAL insert position still for 20 s
        # (longer than the background writer's 15 s between the records it writes after activity).
        pg.execute("CHECKPOINT")
        last, since, deadline = None, time.time(), time.time() + 300
        while time.time() < deadline and not (last and time.time() - since >= 20):
            lsn = pg.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0]
            if lsn != last:
                last, since = lsn, time.time()
            time.sleep(2)
        """;

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var value) ? value : fallback;

    [Fact(Explicit = true)]
    public async Task First_and_unchanged_backup_and_VerifyBackup_against_tar_czf_of_the_same_volumes()
    {
        await Prerequisites.RequireEngineAsync();
        var (rows, objects) = (Setting("BENCH_ROWS", 250_000), Setting("BENCH_OBJECTS_MIB", 256));
        var compose = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "tests", "Backup", "fixture-compose.yaml"), TestContext.Current.CancellationToken);
        await using var stack = await FixtureStack.CreateAsync(compose, BackupFixture.EnvText.Replace("\r", string.Empty, StringComparison.Ordinal) + "\n");
        var repository = Directory.CreateTempSubdirectory("mlstack-backup-bench-").FullName;
        var project = stack.Project.Name;
        try
        {
            await stack.UpAsync();
            var seed = await ChildProcess.RunAsync("docker", ["run", "--rm", "--network", $"{project}_backend", "mlstack/ml-service:latest", "python3", "-c", Seed, $"{rows}", $"{objects}"], timeout: TimeSpan.FromMinutes(20));
            Assert.True(seed.ExitCode == 0, seed.Output);

            var first = await TimedAsync("Backup");
            // Several unchanged backups, so one slow start does not decide the figure; retention keeps them all
            // (the last, below, pays for forget + prune, as a daily backup does when a day falls out of the policy).
            var unchanged = new List<(TimeSpan Time, string Output)>();
            for (var run = 0; run < UnchangedRuns; run++)
                unchanged.Add(await TimedAsync("Backup", "--keep-last", "10"));
            var pruning = await TimedAsync("Backup", "--keep-last", "3");
            var verify = await TimedAsync("VerifyBackup");
            var tar = await TarAsync(project);

            var size = long.Parse(Summary().Match(first.Output).Groups[1].Value, CultureInfo.InvariantCulture);
            var added = unchanged.Select(u => long.Parse(Summary().Match(u.Output).Groups[2].Value, CultureInfo.InvariantCulture)).Max();
            var times = unchanged.Select(u => u.Time).Order().ToList();
            var median = times[times.Count / 2];
            var kept = unchanged.All(u => u.Output.Contains("nothing committed since the last backup's dumps", StringComparison.Ordinal));
            var removed = Removed().Match(pruning.Output) is { Success: true } m ? m.Groups[1].Value : "no";
            string[] lines =
            [
                $"Data: {rows:N0} rows, {objects} objects of 1 MiB; backed up {size / 1e6:0.0} MB. Same run, same machine.",
                "",
                "| | time | throughput | against |",
                "|---|---|---|---|",
                $"| `tar czf` of the three volumes (baseline; not a consistent copy) | {tar.Time.TotalSeconds:0.0} s | {tar.Read / 1e6 / tar.Time.TotalSeconds:0.0} MB/s of volume data ({tar.Read / 1e6:0} MB) | |",
                $"| first `Backup` (the whole target, build start included) | {first.Time.TotalSeconds:0.0} s | {size / 1e6 / first.Time.TotalSeconds:0.0} MB/s of backed-up data | {tar.Time / first.Time:0.00}× tar's speed on the same stack |",
                $"| `Backup`, nothing changed (median of {UnchangedRuns}; {times[0].TotalSeconds:0.0}–{times[^1].TotalSeconds:0.0} s) | {median.TotalSeconds:0.0} s | at most {added / 1e3:0.0} kB added; dumps {(kept ? "kept" : "taken again")} | {median / first.Time:P1} of the first (slowest {times[^1] / first.Time:P1}) |",
                $"| `Backup`, nothing changed, retention removing {removed} backups (forget + prune) | {pruning.Time.TotalSeconds:0.0} s | | {pruning.Time / first.Time:P1} of the first |",
                $"| `VerifyBackup` | {verify.Time.TotalSeconds:0.0} s | | {verify.Time / first.Time:0.00}× the first backup |",
            ];
            foreach (var line in lines)
                output.WriteLine(line);
            var reports = Path.Combine(RepositoryRoot.Path, ".nuke", "temp", "reports");
            Directory.CreateDirectory(reports);
            await File.WriteAllLinesAsync(Path.Combine(reports, "backup-benchmark.md"), lines, TestContext.Current.CancellationToken);
        }
        finally
        {
            await ChildProcess.RunAsync("docker", ["volume", "rm", "-f", Build.Backup.StackBackup.CacheVolume(project)]);
            Directory.Delete(repository, recursive: true);
        }

        async Task<(TimeSpan Time, string Output)> TimedAsync(string target, params string[] extra)
        {
            var clock = Stopwatch.StartNew();
            var result = await ChildProcess.RunAsync(BackupFixture.BuildScript,
                [target, "--project-name", project, "--env-file", stack.Project.EnvFile, "--backup-repository", repository, "--skip", "Images", .. extra],
                new Dictionary<string, string?> { ["BACKUP_PASSWORD"] = BackupFixture.Password }, timeout: TimeSpan.FromMinutes(20));
            Assert.True(result.ExitCode == 0, result.Output);
            output.WriteLine(result.Output);
            return (clock.Elapsed, result.Output);
        }
    }

    /// <summary>tar czf of the project's three volumes, read-only, in one helper container: time and bytes read.</summary>
    private static async Task<(TimeSpan Time, long Read)> TarAsync(string project)
    {
        string[] volumes = ["pgdata", "redisdata", "objectdata"];
        var mounts = volumes.SelectMany(v => new[] { "-v", $"{project}_{v}:/volumes/{v}:ro" }).ToArray();
        var clock = Stopwatch.StartNew();
        var tar = await ChildProcess.RunAsync("docker", ["run", "--rm", .. mounts, "--entrypoint", "sh", "mlstack/backup:latest", "-c", "tar czf /tmp/volumes.tgz -C /volumes . 2>/dev/null; du -sb /volumes | cut -f1"], timeout: TimeSpan.FromMinutes(20));
        var time = clock.Elapsed;
        return (time, long.Parse(tar.Output.Trim().Split('\n')[^1], CultureInfo.InvariantCulture));
    }

    private const int UnchangedRuns = 5;

    [GeneratedRegex(@"restic: snapshot \w+, (\d+) bytes, (\d+) added")]
    private static partial Regex Summary();

    [GeneratedRegex(@"retention removed (\d+) of")]
    private static partial Regex Removed();
}
