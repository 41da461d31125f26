using System.Text.Json;
using System.Text.RegularExpressions;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Backup;

/// <summary>The live data a test compares: rows of the seeded table (and whether row 1 is there), Redis keys, objects.</summary>
public sealed record DataCounts(long Rows, bool RowOne, long Keys, long Objects);

/// <summary>The stack's three data services (fixture-compose.yaml: the stack's own images), up once for the class,
/// seeded with rows, keys and 4 MiB of objects; the build's targets run against it as ./build.sh does for a user.</summary>
public sealed partial class BackupFixture : IAsyncLifetime
{
    public const string Password = "Backup-Fixture-7Qz9-secret";

    internal const string EnvText = """
        POSTGRES_USER=fixture_admin
        POSTGRES_PASSWORD=fixture-admin-pw
        APP_DB_USER=fixture
        APP_DB_PASSWORD=fixture-app-pw
        APP_DB_NAME=mlstack
        OPTUNA_DB_NAME=optuna
        REDIS_PASSWORD=fixture-redis-pw
        S3_ACCESS_KEY_ID=fixture
        S3_SECRET_ACCESS_KEY=fixture-s3-secret
        """;

    /// <summary>Seeds (seed), changes (damage) or only counts the data, through the app's own client libraries.</summary>
    private const string DataScript = """
        import json, os, sys, psycopg, redis, boto3
        pg = psycopg.connect(host='postgres', user='fixture_admin', password='fixture-admin-pw', dbname='mlstack', autocommit=True)
        r = redis.Redis(host='redis', password='fixture-redis-pw')
        s3 = boto3.client('s3', endpoint_url='http://objectstore:9000', aws_access_key_id='fixture', aws_secret_access_key='fixture-s3-secret', region_name='us-east-1')
        if sys.argv[1] == 'seed':
            pg.execute("CREATE TABLE items (id int PRIMARY KEY, name text)")
            pg.execute("INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20000) g")
            for i in range(50):
                r.set(f'key:{i}', i)
            s3.create_bucket(Bucket='models')
            for i in range(4):
                s3.put_object(Bucket='models', Key=f'model-{i}.bin', Body=os.urandom(1 << 20))
        if sys.argv[1] == 'damage':
            pg.execute("DELETE FROM items WHERE id <= 100")
            r.set('added-after-backup', 1)
            s3.delete_object(Bucket='models', Key='model-0.bin')
        rows = pg.execute("SELECT count(*), bool_or(id = 1) FROM items").fetchone()
        print(json.dumps({'rows': rows[0], 'rowOne': rows[1], 'keys': r.dbsize(), 'objects': len(s3.list_objects_v2(Bucket='models').get('Contents', []))}))
        """;

    internal FixtureStack Stack { get; private set; } = null!;

    public string Network => $"{Stack.Project.Name}_backend";

    public async ValueTask InitializeAsync()
    {
        await Prerequisites.RequireEngineAsync();
        var images = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Images"], timeout: TimeSpan.FromMinutes(20));
        Assert.True(images.ExitCode == 0, images.Output);
        var compose = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "tests", "Backup", "fixture-compose.yaml"));
        Stack = await FixtureStack.CreateAsync(compose, EnvText.Replace("\r", string.Empty, StringComparison.Ordinal) + "\n");
        await Stack.UpAsync();
        await DataAsync("seed");
    }

    public async Task<DataCounts> DataAsync(string mode = "count")
    {
        var result = await ChildProcess.RunAsync("docker", ["run", "--rm", "--network", Network, "mlstack/ml-service:latest", "python3", "-c", DataScript, mode], timeout: TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.Output);
        var json = JsonDocument.Parse(result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{'))).RootElement;
        return new DataCounts(json.GetProperty("rows").GetInt64(), json.GetProperty("rowOne").GetBoolean(), json.GetProperty("keys").GetInt64(), json.GetProperty("objects").GetInt64());
    }

    /// <summary>./build.sh TARGET against this stack and <paramref name="repository"/>; the password comes through the
    /// environment (BACKUP_PASSWORD), as in CI.</summary>
    internal Task<ProcessResult> BuildAsync(string repository, params string[] args) =>
        ChildProcess.RunAsync(BuildScript, Arguments(repository, args), new Dictionary<string, string?> { ["BACKUP_PASSWORD"] = Password }, timeout: TimeSpan.FromMinutes(10));

    public static string BuildScript => Path.Combine(RepositoryRoot.Path, "build.sh");

    public string[] Arguments(string repository, params string[] args) =>
        [.. args, "--project-name", Stack.Project.Name, "--env-file", Stack.Project.EnvFile, "--backup-repository", repository, "--skip", "Images"];

    /// <summary>The id Backup printed ("backup 1a2b3c4d of …").</summary>
    internal static string BackupId(ProcessResult backup) => BackupLine().Match(backup.Output) is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no backup id in:\n{backup.Output}");

    [GeneratedRegex(@"backup ([0-9a-f]{8}) of ")]
    private static partial Regex BackupLine();

    /// <summary>Containers, volumes and networks whose names match: what a test must not leave behind.</summary>
    internal static async Task<IReadOnlyList<string>> LeftoversAsync(string pattern)
    {
        var volumes = await ChildProcess.RunAsync("docker", ["volume", "ls", "-q"]);
        var containers = await ChildProcess.RunAsync("docker", ["ps", "-a", "--format", "{{.Names}}"]);
        var networks = await ChildProcess.RunAsync("docker", ["network", "ls", "--format", "{{.Name}}"]);
        return [.. (volumes.Output + containers.Output + networks.Output).Split('\n').Where(l => Regex.IsMatch(l, pattern))];
    }

    /// <summary>After a test stopped a service: every container healthy again (a minute at most).</summary>
    public async Task WaitHealthyAsync()
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            if ((await Stack.Engine.SnapshotAsync(CancellationToken.None)).All(c => c.Health == "healthy"))
                return;
            await Task.Delay(1000);
        }

        Assert.Fail("the fixture stack did not become healthy again within a minute");
    }

    public async ValueTask DisposeAsync()
    {
        if (Stack != null)
        {
            // Down --remove-volumes takes Backup's stage with the data.
            var down = await ChildProcess.RunAsync(BuildScript, ["Down", "--remove-volumes", "--yes", "--project-name", Stack.Project.Name, "--env-file", Stack.Project.EnvFile]);
            var stage = await ChildProcess.RunAsync("docker", ["volume", "rm", Build.Backup.StackBackup.CacheVolume(Stack.Project.Name)]);
            await Stack.DisposeAsync();
            Assert.True(down.ExitCode == 0, down.Output);
            Assert.True(stage.ExitCode != 0, $"Down --remove-volumes left {Build.Backup.StackBackup.CacheVolume(Stack.Project.Name)} behind");
        }
    }
}
