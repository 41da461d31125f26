using System.Text.Json;
using Docker.DotNet.Models;
using Mlstack.Build.Backup;
using Mlstack.Build.Cluster;
using Mlstack.Build.Deploy;
using Mlstack.Build.Doctor;
using Mlstack.Build.Engine;
using Mlstack.Build.Images;
using Mlstack.Build.Smoke;
using SmokeRun = Mlstack.Build.Smoke.SmokeRun;
using Mlstack.Tests.Backup;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Cluster;

/// <summary>Backup on a swarm: the stack's three data services (tests/Backup/fixture-compose.yaml, the stack's own
/// images) deployed as a stack of their own on the same three VMs, pinned to the data node; ./build.sh Backup --cluster
/// runs its helper there, beside them, on their network, and keeps the repository on that node's disk (0700). The
/// backup's manifest, read back with restic, holds the seeded rows and keys and the cluster's release; Backups lists
/// it; VerifyBackup and Restore refuse --cluster in one line (not done yet).</summary>
public sealed partial class ClusterDeployTests
{
    private const string DataStack = "mlstackdata";
    private const string DataDeployPath = "/srv/mlstackdata";

    [Fact]
    public async Task A_backup_on_a_swarm_runs_on_the_data_node_beside_the_data_services_and_holds_their_data()
    {
        cluster.Require();
        var ct = TestContext.Current.CancellationToken;
        using var local = EngineProbe.Client(EngineProbe.Endpoint().Endpoint);
        using var images = new ImageEngine(EngineProbe.Client(EngineProbe.Endpoint().Endpoint));
        var built = await CheckoutImages.FindAsync(images, ct);
        using var manager = Engine(cluster.Vms[0]);
        try
        {
            var inventory = await BootstrapAsync(ct);
            // After the other test on this swarm, node 3's link is back but Swarm may not have seen it yet: Preflight
            // would refuse the deploy.
            await WaitUntilAsync(async () => (await manager.Swarm.ListNodesAsync(ct)).All(n => n.Status!.State == "ready"), "every node ready", ct);
            var variables = StackBackup.DataServices.ToDictionary(s => $"{s.ToUpperInvariant()}_IMAGE", s => built.Single(i => i.Spec.ShortName == s).Reference);
            var imageIds = new Dictionary<string, string>();
            foreach (var image in variables.Values)
                imageIds[image] = (await local.Images.InspectImageAsync(image, ct)).ID;
            var environment = BackupFixture.EnvText.Replace("\r", string.Empty, StringComparison.Ordinal) + "\n";
            var project = await ProjectAsync(ct, File.ReadAllText(Path.Combine(RepositoryRoot.Path, "tests", "Backup", "fixture-compose.yaml")), environment, "data", overridden: "redis");
            var settings = environment.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            var release = ReleaseDeployment.Pending("da7a0000", "da7a", imageIds, DateTimeOffset.UtcNow);
            await Cluster(inventory, stack: DataStack, deployPath: DataDeployPath).DeployAsync(release, new ClusterRelease(project, settings, variables, [.. imageIds.Keys]), local, DataSmoke, NoBackup, ct);

            await ExecAsync(cluster.Vms[0], "postgres", ["psql", "-U", "fixture_admin", "-d", "mlstack", "-v", "ON_ERROR_STOP=1", "-c",
                "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 2000) g"], ct);
            await ExecAsync(cluster.Vms[0], "redis", ["sh", "-c", "for i in $(seq 1 50); do redis-cli -a \"$REDIS_PASSWORD\" --no-auth-warning set key:$i $i >/dev/null; done"], ct);

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var backup = await BackupBuildAsync(inventory.File, "Backup");
            Assert.True(backup.ExitCode == 0, backup.Output);
            TestContext.Current.TestOutputHelper?.WriteLine($"Backup --cluster in {clock.Elapsed.TotalSeconds:0.0} s:\n{backup.Output}");
            Assert.Matches(@"objectstore's files copied in [\d.]+s, unchanged during the copy", backup.Output);
            Assert.DoesNotContain(BackupFixture.Password, backup.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("fixture-admin-pw", backup.Output, StringComparison.Ordinal);
            var id = BackupFixture.BackupId(backup);
            // On the data node's disk, beside its releases' deploy path, private; no helper left running there.
            var repository = Path.Combine(cluster.Vms[0].PrivateSrv, "mlstackdata", "backups", DataStack);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, new DirectoryInfo(repository).UnixFileMode);
            using var node1 = Engine(cluster.Vms[0]);
            Assert.Empty(await node1.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = ComposeLabels.Filter(BackupEngine.HelperLabel) }, ct));

            // What it holds: the manifest, read back from the repository with restic (as a restore would fetch it).
            var manifest = await ManifestAsync(repository, ct);
            Assert.Equal(DataStack, manifest.GetProperty("project").GetString());
            Assert.Equal(release.Id, manifest.GetProperty("release").GetString());
            var counts = manifest.GetProperty("counts").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetInt64());
            Assert.Equal(2000, Assert.Single(counts, c => c.Key.StartsWith("postgres/mlstack/", StringComparison.Ordinal) && c.Key.EndsWith("items", StringComparison.Ordinal)).Value);
            Assert.Equal(50, counts["redis/keys"]);

            var list = await BackupBuildAsync(inventory.File, "Backups");
            Assert.True(list.ExitCode == 0, list.Output);
            Assert.Matches($@"{id}\s+\S+ \S+\s+{release.Id}\s+dev\s", list.Output);
            foreach (var refused in new[] { "VerifyBackup", "Restore" })
            {
                var result = await BackupBuildAsync(inventory.File, refused, "--yes");
                Assert.NotEqual(0, result.ExitCode);
                Assert.Contains($"{refused} --cluster is not done yet", result.Output, StringComparison.Ordinal);
            }
        }
        finally
        {
            TestContext.Current.TestOutputHelper?.WriteLine(_log.ToString());
            // The swarm as this test found it for the other test on it: the data stack's services go (as docker stack rm).
            foreach (var id in (await ServicesAsync(manager, CancellationToken.None, DataStack)).Values)
                await manager.Swarm.RemoveServiceAsync(id, CancellationToken.None);
        }
    }

    /// <summary>./build.sh TARGET --cluster against the data stack, its settings and its deploy path; the password
    /// through the environment, as in CI. The dev environment: prod's checks want the whole stack's settings (an API
    /// token, every service's password), which a data-only stack has no use for.</summary>
    private Task<ProcessResult> BackupBuildAsync(string inventory, string target, params string[] more) =>
        ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"),
            [target, "--cluster", inventory, "--project-name", DataStack, "--deploy-path", DataDeployPath, "--env-file", Path.Combine(_directory, "data", ".env"), "--environment", "dev", .. more],
            new Dictionary<string, string?> { ["BACKUP_PASSWORD"] = BackupFixture.Password }, timeout: TimeSpan.FromMinutes(10));

    /// <summary>The newest backup's manifest.json, with the backup image's restic over the repository folder (read-only).</summary>
    private static async Task<JsonElement> ManifestAsync(string repository, CancellationToken ct)
    {
        var password = Path.Combine(Path.GetDirectoryName(repository)!, "..", "test-restic-password");
        await File.WriteAllTextAsync(password, BackupFixture.Password, ct);
        var dump = await ChildProcess.RunAsync("docker", ["run", "--rm", "--entrypoint", "restic", "-v", $"{repository}:/repo:ro", "-v", $"{Path.GetFullPath(password)}:/password:ro",
            "-e", "RESTIC_REPOSITORY=/repo", "-e", "RESTIC_PASSWORD_FILE=/password", "mlstack/backup:latest", "dump", "--no-lock", "latest", "/stage/manifest.json"]);
        File.Delete(password);
        Assert.True(dump.ExitCode == 0, dump.Output);
        return JsonDocument.Parse(dump.Output[dump.Output.IndexOf('{', StringComparison.Ordinal)..]).RootElement;
    }

    /// <summary>Runs a command in the data stack's container of a service on a node (by the label Swarm gives it).</summary>
    private static async Task ExecAsync(TestVm node, string service, IReadOnlyList<string> command, CancellationToken ct)
    {
        using var engine = new EngineContainers(Engine(node));
        var container = Assert.Single(await engine.ListAsync(StackNaming.Swarm.Containers(DataStack, service), runningOnly: true, ct));
        var (exit, stdout, stderr) = await engine.ExecAsync(container.ID, command, null, ct);
        Assert.True(exit == 0, $"{service}: {string.Join(' ', command)}: {stdout}{stderr}");
    }

    /// <summary>The data stack's smoke: each data service answers in its own container on the data node.</summary>
    private ClusterSmoke DataSmoke => (manager, nodes, services, ct) => SmokeRun.RunAsync(
        new SwarmServiceContainers(manager.OpenEngine(), [.. nodes.Select(n => n.OpenEngine())], DataStack), services,
        new SmokeRunOptions(new Uri("http://127.0.0.1:9"), ScratchProject: null,
            [new ExecCheck("postgres", "accepts connections", ["pg_isready", "-h", "127.0.0.1"]), new ExecCheck("objectstore", "is healthy", ["node", "/app/healthcheck.js"]),
                new ExecCheck("redis", "answers PING", ["sh", "-c", "redis-cli -a \"$REDIS_PASSWORD\" --no-auth-warning ping"], OutputContains: "PONG")],
            new HashSet<string>(), _directory, _directory), Log, ct);
}
