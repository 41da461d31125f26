using System.Text.RegularExpressions;
using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Cluster;
using Mlstack.Build.Core;
using Mlstack.Build.Deploy;
using Mlstack.Build.Doctor;
using Mlstack.Build.Engine;
using Mlstack.Build.Gates;
using Mlstack.Build.Images;
using Mlstack.Build.Remote;
using Mlstack.Build.Smoke;
using Mlstack.Build.Stack;
using Mlstack.Build.Testing;
using Mlstack.Tests.Remote;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Cluster;

/// <summary>Deploy on a swarm of three real VMs (own sshd, dockerd, hostname), on a small fixture stack — a data
/// service with its volume, a one-shot that writes to it, two HTTP services published on host-mode ports, two replicas
/// each, one with a secret: the first release starts in the order depends_on gave (data, the one-shot, the
/// web tier), each service where its role puts it, and every published port answers on every node that runs it; a
/// release with one image changed replaces only that service's tasks; a release whose new image never becomes healthy
/// is rolled back by Swarm and then, as a whole, by the build, naming the service and its node; the last good release
/// serves on; Rollback --to the first release deploys its kept stack files, and Releases --cluster lists it current.
/// Every deploy runs its smoke checks in the services' own containers, on whichever node runs each. Last, a node lost:
/// SmokeTest names it, Deploy refuses naming it, and --allow-degraded deploys without it.</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(VmDeploys.Name)]
public sealed partial class ClusterDeployTests(TestCluster cluster) : IClassFixture<TestCluster>, IDisposable
{
    private const string DeployPath = "/srv/mlstack";
    private const int WebPort = 18080;
    private const int ApiPort = 18081;
    private readonly string _directory = Directory.CreateTempSubdirectory("mlstack-cluster-deploy-").FullName;
    private readonly StringWriter _log = new();

    private const string Compose = """
        services:
          store:
            image: ${REDIS_IMAGE}
            entrypoint: ["redis-server", "--port", "6379", "--save", "", "--appendonly", "yes", "--dir", "/data", "--protected-mode", "no"]
            volumes: [storedata:/data]
            healthcheck: {test: ["CMD", "redis-cli", "ping"], interval: 2s, timeout: 2s, retries: 10}
            networks: [back]
          seed:
            image: ${REDIS_IMAGE}
            entrypoint: ["sh", "-c", "redis-cli -h store set seeded yes | grep -q OK"]
            restart: "no"
            depends_on: {store: {condition: service_healthy}}
            networks: [back]
          web:
            image: ${WEB_IMAGE}
            ports: ["18080:8080"]
            deploy: {replicas: 2}
            depends_on: {seed: {condition: service_completed_successfully}}
            secrets: [api_token]
            healthcheck: {test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"], interval: 2s, timeout: 2s, retries: 3, start_period: 2s}
            networks: [front, back]
          api:
            image: ${API_IMAGE}
            ports: ["18081:8080"]
            deploy: {replicas: 2}
            healthcheck: {test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"], interval: 2s, timeout: 2s, retries: 3, start_period: 2s}
            networks: [front]
        networks: {front: {}, back: {}}
        volumes: {storedata: {}}
        secrets:
          api_token: {file: "${MLSTACK_SECRET_API_TOKEN:-/dev/null}"}
        """;

    /// <summary>A derived image's first step: the base's context-hash label emptied, so that Images never takes it (or a
    /// step of its build) for the checkout's own frontend.</summary>
    private static readonly string Unlabelled = $"LABEL {ImageSetBuilder.ContextHashLabel}=\"\"\n";

    [Fact]
    public async Task A_release_starts_in_order_on_its_nodes_a_changed_image_rolls_alone_and_a_broken_one_returns_the_whole_stack()
    {
        cluster.Require();
        var ct = TestContext.Current.CancellationToken;
        var vms = cluster.Vms;
        using var local = EngineProbe.Client(EngineProbe.Endpoint().Endpoint);
        using var images = new ImageEngine(EngineProbe.Client(EngineProbe.Endpoint().Endpoint));
        var built = await CheckoutImages.FindAsync(images, ct);
        string Built(string name) => built.Single(i => i.Spec.ShortName == name).Reference;
        var tag = "mlstack-cluster-fx/web:" + Guid.NewGuid().ToString("N")[..8];
        var (next, broken) = ($"{tag}-next", $"{tag}-broken");
        await LocalImages.BuildAsync(local, next, $"FROM {Built("frontend")}\n{Unlabelled}LABEL io.mlstack.test.web=next\n", new Dictionary<string, byte[]>());
        // The health endpoint answers 503: nginx runs, the healthcheck never passes.
        await LocalImages.BuildAsync(local, broken, $"FROM {Built("frontend")}\n{Unlabelled}USER root\nRUN sed -i 's/return 200 \"ok\\\\n\";/return 503;/' /etc/nginx/nginx.conf && grep -q 'return 503;' /etc/nginx/nginx.conf\nUSER www-data\n", new Dictionary<string, byte[]>());
        try
        {
            var inventory = await BootstrapAsync(ct);
            var clock = System.Diagnostics.Stopwatch.StartNew();

            var first = await DeployAsync(inventory, "fx00001", Built("frontend"), Built("frontend"), Built("redis"), local, ct);
            var firstTime = clock.Elapsed;
            using var manager = Engine(vms[0]);
            var services = await ServicesAsync(manager, ct);
            Assert.Equal(["mlstack_api", "mlstack_seed", "mlstack_store", "mlstack_web"], services.Keys.Order(StringComparer.Ordinal));
            // Each where its role puts it: data on node 1, the web tier on the app nodes (2 and 3), one web task each.
            Assert.Equal(["mlstack-node1"], await NodesRunningAsync(manager, services["mlstack_store"], ct));
            Assert.Equal(["mlstack-node2", "mlstack-node3"], await NodesRunningAsync(manager, services["mlstack_web"], ct));
            // In depends_on's order: the one-shot completed after the store was up, and web's tasks came after it.
            var seed = Assert.Single(await TasksAsync(manager, services["mlstack_seed"], ct));
            Assert.Equal(TaskState.Complete, seed.Status!.State);
            var storeStarted = (await TasksAsync(manager, services["mlstack_store"], ct)).Min(t => t.CreatedAt);
            Assert.True(seed.CreatedAt > storeStarted, "the one-shot ran before the data service was up");
            Assert.All(await TasksAsync(manager, services["mlstack_web"], ct), t => Assert.True(t.CreatedAt > seed.Status.Timestamp, "a web task started before the one-shot completed"));
            // A Swarm secret of the release's version; the stack file names the secret's file, never its content.
            var secret = await TokenSecretAsync(manager, ct);
            Assert.Matches("^mlstack_api_token_[0-9a-f]{16}$", secret);
            await AssertServesAsync(ct);
            Assert.Contains($"Deploy: release {first.Id} is live on {vms[0].Address}", _log.ToString());
            Assert.Contains("Smoke: 4 published port(s) answered", _log.ToString());
            // The smoke checks ran inside the services' own containers, on three nodes: store on 1, web and api on 2 and 3.
            Assert.Contains("SmokeTest: 4 checks passed", _log.ToString());
            var stackFile = File.ReadAllText(Path.Combine(vms[0].PrivateSrv, "mlstack", "releases", first.Id, "swarm", "phase-3.yml"));
            Assert.Contains("endpoint_mode: \"dnsrr\"", stackFile);

            // One image changed: web's tasks are replaced, on both nodes; the store's task is the same one.
            var storeTask = Assert.Single(await TasksAsync(manager, services["mlstack_store"], ct)).ID;
            clock.Restart();
            var second = await DeployAsync(inventory, "fx00002", next, Built("frontend"), Built("redis"), local, ct);
            var releaseTime = clock.Elapsed;
            Assert.All(await RunningAsync(manager, services["mlstack_web"], ct), t => Assert.Equal(next, t.Spec!.ContainerSpec!.Image));
            Assert.Equal(2, (await RunningAsync(manager, services["mlstack_web"], ct)).Count);
            Assert.Equal(storeTask, Assert.Single(await RunningAsync(manager, services["mlstack_store"], ct)).ID);
            await AssertServesAsync(ct);
            // Its token was rotated: a new Swarm secret, and the first one's version gone (no service uses it).
            var rotated = await TokenSecretAsync(manager, ct);
            Assert.NotEqual(secret, rotated);
            Assert.Contains($"Deploy: removed the Swarm secret {secret}", _log.ToString());

            // A release whose web never becomes healthy: Swarm rolls web back, the build fails naming web and a node,
            // and the whole stack goes back to the last good release.
            clock.Restart();
            var failure = await Assert.ThrowsAnyAsync<BuildFailure>(() => DeployAsync(inventory, "fx00003", broken, Built("frontend"), Built("redis"), local, ct));
            var rollbackTime = clock.Elapsed;
            var gate = Assert.IsType<GateFailedException>(failure);
            Assert.Equal("web", gate.Service);
            Assert.Matches("Swarm (rolled its update back|paused its update).*mlstack-node[23]", gate.Reason);
            Assert.Contains($"rolling back to {second.Id}", _log.ToString());
            Assert.Contains($"Deploy: rolled back to {second.Id}; it passed its gates", _log.ToString());
            Assert.All(await RunningAsync(manager, services["mlstack_web"], ct), t => Assert.Equal(next, t.Spec!.ContainerSpec!.Image));
            await AssertServesAsync(ct);
            Assert.Equal(rotated, await TokenSecretAsync(manager, ct)); // the failed release's version went with it
            var records = Directory.GetDirectories(Path.Combine(vms[0].PrivateSrv, "mlstack", "releases")).Select(Path.GetFileName).ToList();
            Assert.Equal(3, records.Count);
            Assert.Contains("\"Status\":\"failed\"", File.ReadAllText(Path.Combine(vms[0].PrivateSrv, "mlstack", "releases", records.Single(r => r!.EndsWith("fx00003", StringComparison.Ordinal))!, "release.json")), StringComparison.OrdinalIgnoreCase);

            // Rollback --to the first release: its kept stack files, every phase gated; web's tasks on the first image.
            clock.Restart();
            await Cluster(inventory).RollbackAsync(new RollbackRequest(first.Id, RestoreData: false), FixtureSmoke, ct);
            var rollbackToTime = clock.Elapsed;
            Assert.All(await RunningAsync(manager, services["mlstack_web"], ct), t => Assert.Equal(Built("frontend"), t.Spec!.ContainerSpec!.Image));
            Assert.Equal(storeTask, Assert.Single(await RunningAsync(manager, services["mlstack_store"], ct)).ID);
            await AssertServesAsync(ct);
            Assert.Equal(secret, await TokenSecretAsync(manager, ct)); // made again from the first release's file
            var releases = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Releases", "--cluster", inventory.File, "--deploy-path", DeployPath]);
            Assert.True(releases.ExitCode == 0, releases.Output);
            Assert.Matches($@"{first.Id}\s.*healthy\s+current", releases.Output);
            Assert.Matches($@"{second.Id}\s.*healthy", releases.Output);

            // Status --cluster: every node and service; node 3 drained shows drained, and web down to its one task on node 2
            // (a host-mode port holds one task per node, and node 2 already has one).
            var status = await StatusAsync(inventory.File);
            Assert.Matches(@"mlstack-node1\s+data,manager\s+leader\s+ready\s+active", status);
            Assert.Matches(@"mlstack_web\s+2/2\s+mlstack-node2,mlstack-node3\s", status);
            Assert.Matches(@"mlstack_store\s+1/1\s+mlstack-node1\s", status);
            await DrainAsync(manager, "mlstack-node3", ct);
            var drained = await StatusAsync(inventory.File);
            Assert.Matches(@"mlstack-node3\s+app,worker\s+manager\s+ready\s+drain", drained);
            Assert.Matches(@"mlstack_web\s+1/2\s+mlstack-node2\s", drained);
            TestContext.Current.TestOutputHelper?.WriteLine($"first deploy {firstTime.TotalSeconds:0.0} s; release of one image {releaseTime.TotalSeconds:0.0} s; broken release and its return {rollbackTime.TotalSeconds:0.0} s; Rollback --to {rollbackToTime.TotalSeconds:0.0} s");

            // Node 3 active again, then lost (its link cut: to the others, a stopped VM). Swarm marks it down; SmokeTest
            // names it and checks the stack on the other two (the one-shot's end read from its task, wherever it ran);
            // Deploy refuses in one line naming it, and nothing else blocks: --allow-degraded would go on without it.
            await SetAvailabilityAsync(manager, "mlstack-node3", "active", ct);
            await WaitUntilAsync(async () => (await RunningAsync(manager, services["mlstack_web"], ct)).Count == 2, "web's second task back on node 3", ct);
            clock.Restart();
            await vms[2].CutNetworkAsync();
            try
            {
                await WaitUntilAsync(async () => (await manager.Swarm.ListNodesAsync(ct)).Single(n => n.Description!.Hostname == "mlstack-node3").Status!.State == "down", "node 3 down in the swarm", ct);
                var downAfter = clock.Elapsed;
                int Passes() => Regex.Count(_log.ToString(), "SmokeTest: 4 checks passed");
                var before = Passes();
                await new ClusterSmokeTest(inventory, ConnectAsync, "mlstack", Log).RunAsync(FixtureSmoke, ct);
                Assert.Contains($"SmokeTest: node mlstack-node3 ({vms[2].Address}) is down", _log.ToString());
                Assert.Equal(before + 1, Passes());
                var refused = await Assert.ThrowsAsync<ClusterPreflightException>(() => DeployAsync(inventory, "fx00004", next, Built("frontend"), Built("redis"), local, ct));
                Assert.StartsWith($"{vms[2].Address} (node mlstack-node3) is down in the swarm and does not answer over SSH", refused.Message);
                Assert.True(refused.Report.Passed(allowDegraded: true), string.Join('\n', refused.Report.Failures.Select(f => f.Line)));
                var refusedAfter = clock.Elapsed;

                // --allow-degraded: node 3 left out (no images, no config); web's image changes on node 2, and web and api
                // get one task while node 3 is out (one host-mode port per node, one app node in it: Swarm would leave a
                // second task pending, and its rolling update would wait for it); the smoke passes on nodes 1 and 2.
                var degraded = await DeployAsync(inventory, "fx00004", next, Built("frontend"), Built("redis"), local, ct, allowDegraded: true);
                Assert.Contains($"Deploy: {vms[2].Address} is left out of this release (--allow-degraded)", _log.ToString());
                Assert.Contains("Deploy: web: 1 of its 2 replicas, one per node that may run it", _log.ToString());
                Assert.Contains("Deploy: api: 1 of its 2 replicas", _log.ToString());
                Assert.Contains($"Deploy: release {degraded.Id} is live", _log.ToString());
                Assert.Equal(next, Assert.Single(await RunningAsync(manager, services["mlstack_web"], ct)).Spec!.ContainerSpec!.Image);
                Assert.Equal(before + 2, Passes());
                TestContext.Current.TestOutputHelper?.WriteLine($"node 3 seen down {downAfter.TotalSeconds:0.0} s after its link went; smoke and refused deploy {(refusedAfter - downAfter).TotalSeconds:0.0} s; degraded release {(clock.Elapsed - refusedAfter).TotalSeconds:0.0} s");
            }
            finally
            {
                await vms[2].RestoreNetworkAsync();
            }
        }
        finally
        {
            TestContext.Current.TestOutputHelper?.WriteLine(_log.ToString());
            await LocalImages.RemoveAsync(local, broken, next);
        }
    }

    /// <summary>Both HTTP services answer through each app node's own published port.</summary>
    private async Task AssertServesAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var vm in cluster.Vms.Skip(1))
        {
            foreach (var port in new[] { WebPort, ApiPort })
            {
                var response = await http.GetAsync($"http://{vm.Address}:{port}/healthz", ct);
                Assert.True(response.IsSuccessStatusCode, $"{vm.Address}:{port} answered {(int)response.StatusCode}");
            }
        }
    }

    /// <summary>The fixture stacks keep no data to back up before a switch (the whole stack's does: ClusterWholeStackTests).</summary>
    private static readonly OutgoingBackup NoBackup = (_, _, _) => Task.FromResult<Mlstack.Build.Backup.BackupEntry?>(null);

    private async Task<ReleaseInfo> DeployAsync(ClusterInventory inventory, string revision, string web, string api, string redis, DockerClient local, CancellationToken ct, bool allowDegraded = false)
    {
        var project = await ProjectAsync(ct);
        var imageIds = new Dictionary<string, string>();
        foreach (var image in new[] { web, api, redis }.Distinct())
            imageIds[image] = (await local.Images.InspectImageAsync(image, ct)).ID;
        var release = ReleaseDeployment.Pending(revision + "0000", revision, imageIds, DateTimeOffset.UtcNow);
        var settings = new Dictionary<string, string> { ["API_TOKEN"] = "fixture-token-" + revision }; // a rotation each release
        var variables = new Dictionary<string, string> { ["WEB_IMAGE"] = web, ["API_IMAGE"] = api, ["REDIS_IMAGE"] = redis };
        await Cluster(inventory, allowDegraded).DeployAsync(release, new ClusterRelease(project, settings, variables, [.. imageIds.Keys]), local, FixtureSmoke, NoBackup, ct);
        return release;
    }

    /// <summary>The cluster deploy as the build runs it, with the fixture's stack name (or another stack's, with its
    /// own deploy path), override file and a registry store of the test's own.</summary>
    private ClusterDeployment Cluster(ClusterInventory inventory, bool allowDegraded = false, string stack = "mlstack", string deployPath = DeployPath)
    {
        var options = new ClusterDeployOptions(
            new DeployOptions(cluster.Vms[0].Address, deployPath, 5, TimeSpan.Zero, _directory) { RollbackTimeLimit = TimeSpan.FromMinutes(5) },
            new SwarmRuntimeOptions(stack, inventory.Hosts.SelectMany(h => h.Roles).ToHashSet(), HasIpvs: false, "mlstackfx", "compose.cluster.yaml", TimeSpan.FromMinutes(2)),
            allowDegraded,
            Path.Combine(_directory, "registry"));
        return new ClusterDeployment(inventory, ConnectAsync, options, Log);
    }

    private BuildLog Log => new(_log, new SecretMasker(), color: false);

    /// <summary>Checks the fixture's services have, each run in a container of its own service, on whichever node runs it.</summary>
    private static readonly SmokeCheck[] FixtureChecks =
    [
        new ExecCheck("store", "answers PING", ["redis-cli", "ping"], OutputContains: "PONG"),
        new CompletedCheck("seed"),
        new ExecCheck("web", "serves /healthz", ["curl", "-fsS", "http://127.0.0.1:8080/healthz"]),
        new ExecCheck("api", "serves /healthz", ["curl", "-fsS", "http://127.0.0.1:8080/healthz"]),
    ];

    /// <summary>The smoke run a cluster deploy makes, as the build makes it (through every node's engine), with the
    /// fixture's checks in place of the stack's.</summary>
    private ClusterSmoke FixtureSmoke => (manager, nodes, services, ct) => SmokeRun.RunAsync(
        new SwarmServiceContainers(manager.OpenEngine(), [.. nodes.Select(n => n.OpenEngine())], "mlstack"), services,
        new SmokeRunOptions(new Uri($"http://{cluster.Vms[1].Address}:{WebPort}"), ScratchProject: null, FixtureChecks, new HashSet<string>(), _directory, _directory), Log, ct);

    /// <summary>The fixture's compose project: compose.yaml and its override (the environment's file, as the stack's
    /// compose.prod.yaml), in a folder of the test's own.</summary>
    /// <param name="overridden">The service the override file labels (an override of no service is compose's v1 format).</param>
    private async Task<ComposeProject> ProjectAsync(CancellationToken ct, string compose = Compose, string environment = "", string folderName = "stack", string overridden = "api")
    {
        var folder = Path.Combine(_directory, folderName);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "compose.yaml"), compose);
        File.WriteAllText(Path.Combine(folder, "compose.cluster.yaml"), $"services:\n  {overridden}:\n    labels: {{io.mlstack.test: override}}\n");
        File.WriteAllText(Path.Combine(folder, ".env"), environment);
        var cli = await ComposeProbe.FindAsync(new BuildLog(TextWriter.Null, new SecretMasker(), false), ct: ct) ?? throw new InvalidOperationException("No Compose CLI: run ./build.sh Doctor.");
        return new ComposeProject("mlstackfx", folder, [Path.Combine(folder, "compose.yaml"), Path.Combine(folder, "compose.cluster.yaml")], Path.Combine(folder, ".env"), cli);
    }

    /// <summary>The swarm, made by Bootstrap as an operator would: node 1 manager and data, node 2 manager and app,
    /// node 3 worker and app (made the third manager).</summary>
    private async Task<ClusterInventory> BootstrapAsync(CancellationToken ct)
    {
        var path = cluster.WriteInventory(_directory, "manager, data", "manager, app", "worker, app");
        var result = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Bootstrap", "--cluster", path, "--deploy-path", DeployPath]);
        TestContext.Current.TestOutputHelper?.WriteLine(result.Output);
        Assert.Equal(0, result.ExitCode);
        return ClusterInventoryReader.Load(path);
    }

    private Task<SshSession> ConnectAsync(ClusterHost host, CancellationToken ct)
    {
        var vm = cluster.Vms.Single(v => v.Address == host.Address);
        return SshSession.ConnectAsync(vm.Target, HostKeyTrust.Pinned(vm.HostKeyFingerprint), vm.ClientKeyPath, ct);
    }

    private static async Task<string> StatusAsync(string inventory)
    {
        var status = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Status", "--cluster", inventory]);
        Assert.True(status.ExitCode == 0, status.Output);
        return status.Output;
    }

    /// <summary>Drains a node, then waits until no task runs on it any more.</summary>
    private static async Task DrainAsync(DockerClient manager, string hostname, CancellationToken ct)
    {
        var node = await SetAvailabilityAsync(manager, hostname, "drain", ct);
        await WaitUntilAsync(async () => !(await manager.Tasks.ListAsync(new TasksListParameters(), ct)).Any(t => t.NodeID == node && t.Status!.State == TaskState.Running), $"no task running on {hostname}", ct);
    }

    /// <summary>Sets a node's availability (active, drain); its id.</summary>
    private static async Task<string> SetAvailabilityAsync(DockerClient manager, string hostname, string availability, CancellationToken ct)
    {
        var node = (await manager.Swarm.ListNodesAsync(ct)).Single(n => n.Description!.Hostname == hostname);
        await manager.Swarm.UpdateNodeAsync(node.ID, node.Version!.Index ?? 0, new NodeUpdateParameters
        {
            Role = node.Spec!.Role,
            Labels = node.Spec.Labels,
            Availability = availability,
        }, ct);
        return node.ID;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited 90 s for {what}");
            await Task.Delay(500, ct);
        }
    }

    /// <summary>The one version of the api_token secret in the swarm (Assert: exactly one).</summary>
    private static async Task<string> TokenSecretAsync(DockerClient manager, CancellationToken ct) =>
        Assert.Single(await manager.Secrets.ListAsync(ct), s => s.Spec!.Name!.StartsWith("mlstack_api_token_", StringComparison.Ordinal)).Spec!.Name!;

    private static DockerClient Engine(TestVm vm) => EngineClients.Connect(new Uri($"unix://{vm.EngineSocket}"), TimeSpan.FromMinutes(1));

    /// <summary>A stack's services (the fixture's unless told): name to id.</summary>
    private static async Task<Dictionary<string, string>> ServicesAsync(DockerClient manager, CancellationToken ct, string stack = "mlstack") =>
        (await SwarmQueries.StackServicesAsync(manager, stack, ct)).ToDictionary(s => s.Spec!.Name!, s => s.ID);

    private static async Task<IList<TaskResponse>> TasksAsync(DockerClient manager, string service, CancellationToken ct) =>
        await manager.Tasks.ListAsync(new TasksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["service"] = new Dictionary<string, bool> { [service] = true } },
        }, ct);

    private static async Task<List<TaskResponse>> RunningAsync(DockerClient manager, string service, CancellationToken ct) =>
        [.. (await TasksAsync(manager, service, ct)).Where(t => t.Status!.State == TaskState.Running && t.DesiredState == TaskState.Running)];

    private static async Task<List<string>> NodesRunningAsync(DockerClient manager, string service, CancellationToken ct)
    {
        var nodes = (await manager.Swarm.ListNodesAsync(ct)).ToDictionary(n => n.ID, n => n.Description!.Hostname!);
        return [.. (await RunningAsync(manager, service, ct)).Select(t => nodes[t.NodeID!]).Order(StringComparer.Ordinal)];
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
