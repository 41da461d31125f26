using Mlstack.Build.Engine;
using Mlstack.Build.Testing;
using Mlstack.Tests.Deploy;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Cluster;

/// <summary>The whole stack through <c>./build.sh Deploy --cluster</c>, <c>SmokeTest --cluster</c> and <c>Backup
/// --cluster</c> on three VMs, as an operator runs them.
/// Explicit: <c>./build.sh Test --test-filter ClusterWholeStack --test-explicit</c>.</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(EngineAlone.Name)]
public sealed class ClusterWholeStackTests(TestCluster cluster) : IClassFixture<TestCluster>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlstack-cluster-stack-").FullName;
    private readonly string _secret = Guid.NewGuid().ToString("N")[..16];

    [Fact(Explicit = true)]
    public async Task The_whole_stack_deploys_to_the_swarm()
    {
        cluster.Require();
        var inventory = cluster.WriteInventory(_directory, "manager, data", "manager, app", "worker, app");
        var env = Path.Combine(_directory, "cluster.env");
        File.WriteAllText(env, VmStackDriver.ProductionSettings(_secret) + "\n");
        var bootstrap = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Bootstrap", "--cluster", inventory]);
        Assert.True(bootstrap.ExitCode == 0, bootstrap.Output);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var deploy = await DeployAsync(inventory, env);
        var firstTime = clock.Elapsed;
        // The stack's own smoke checks ran after the ports', each where its service runs (train → predict included).
        Assert.Matches(@"SmokeTest: \d+ checks passed", deploy.Output);
        // The autoscaler on the swarm: worker-heavy idle after the smoke's training, it asks the scaler for 0, which
        // sets the service's replicas through the Swarm API; SmokeTest's training below then needs it scaled up again.
        clock.Restart();
        using (var manager = EngineClients.Connect(new Uri($"unix://{cluster.Vms[0].EngineSocket}"), TimeSpan.FromMinutes(1)))
        {
            while ((await manager.Swarm.InspectServiceAsync("mlstack_worker-heavy", TestContext.Current.CancellationToken)).Spec!.Mode!.Replicated!.Replicas != 0)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "worker-heavy was not scaled to 0 within 3 minutes of the deploy");
                await Task.Delay(2000, TestContext.Current.CancellationToken);
            }
        }

        var scaledDown = clock.Elapsed;
        clock.Restart();
        var smoke = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["SmokeTest", "--cluster", inventory, "--env-file", env], timeout: TimeSpan.FromMinutes(10));
        TestContext.Current.TestOutputHelper?.WriteLine(smoke.Output);
        Assert.True(smoke.ExitCode == 0, smoke.Output);
        var smokeTime = clock.Elapsed;

        // Backup on the data node, of the data the smoke's training left; its time recorded for the BackupTooOld
        // alert in the records volume node-exporter reads there.
        clock.Restart();
        var backup = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Backup", "--cluster", inventory, "--env-file", env],
            new Dictionary<string, string?> { ["BACKUP_PASSWORD"] = "Cluster-Backup-" + _secret }, timeout: TimeSpan.FromMinutes(10));
        TestContext.Current.TestOutputHelper?.WriteLine(backup.Output);
        Assert.True(backup.ExitCode == 0, backup.Output);
        Assert.Matches(@"Backup: backup [0-9a-f]{8} of mlstack: ", backup.Output);
        Assert.DoesNotContain("is not recorded for BackupTooOld", backup.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("could not be recorded", backup.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(cluster.Vms[0].PrivateSrv, "mlstack", "backups", "mlstack", "config")), "the repository is on the data node");
        var backupTime = clock.Elapsed;

        // The API answers through the edge, on the node that runs it (a host-mode port: that node's own).
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var edgeNode = await EdgeNodeAsync(cluster);
        var health = await http.GetStringAsync(new Uri(edgeNode, "/api/health"), TestContext.Current.CancellationToken);
        Assert.Contains("\"status\":\"ok\"", health.Replace(" ", "", StringComparison.Ordinal));

        // A rolling release of a setting that ml-service and the workers read, under a probe through the edge: each
        // service's tasks replaced start-first by Swarm, gated from the engine.
        File.AppendAllText(env, "LOG_LEVEL=warning\n");
        await using var probe = TrafficProbe.Start(edgeNode, [ProbeRequest.Get("/api/health"), ProbeRequest.Get("/healthz")], rate: 20);
        // With the backup password, the outgoing release's data is backed up on the data node before anything switches.
        clock.Restart();
        var release = await DeployAsync(inventory, env, backupPassword: "Cluster-Backup-" + _secret);
        var releaseTime = clock.Elapsed;
        var traffic = await probe.StopAsync();
        Assert.Contains("Deploy: release", release.Output);
        Assert.Matches(@"Deploy: backup [0-9a-f]{8} holds \S+'s data from before the switch", release.Output);
        var figures = $"first deploy {firstTime.TotalSeconds:0.0} s; worker-heavy scaled to 0 {scaledDown.TotalSeconds:0} s after it; SmokeTest --cluster {smokeTime.TotalSeconds:0.0} s; Backup --cluster {backupTime.TotalSeconds:0.0} s; rolling release {releaseTime.TotalSeconds:0.0} s: {traffic.Failed} of {traffic.Total} requests failed, p99 {traffic.P99.TotalMilliseconds:0} ms, max {traffic.MaxLatency.TotalMilliseconds:0} ms; {string.Join(" | ", traffic.Failures.Take(3))}";
        TestContext.Current.TestOutputHelper?.WriteLine(figures);
        var reports = Path.Combine(RepositoryRoot.Path, ".nuke", "temp", "reports");
        Directory.CreateDirectory(reports);
        File.WriteAllText(Path.Combine(reports, "cluster-whole-stack.txt"), figures + "\n");
    }

    private static async Task<ProcessResult> DeployAsync(string inventory, string env, string? backupPassword = null)
    {
        var deploy = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Deploy", "--cluster", inventory, "--env-file", env, "--tls-at-load-balancer"],
            new Dictionary<string, string?> { ["BACKUP_PASSWORD"] = backupPassword }, timeout: TimeSpan.FromMinutes(20));
        TestContext.Current.TestOutputHelper?.WriteLine(deploy.Output);
        Assert.True(deploy.ExitCode == 0, deploy.Output);
        return deploy;
    }

    /// <summary>The app node whose port 8080 answers: the edge's one task runs there.</summary>
    internal static async Task<Uri> EdgeNodeAsync(TestCluster cluster)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var vm in cluster.Vms)
        {
            try
            {
                await http.GetAsync($"http://{vm.Address}:8080/healthz", TestContext.Current.CancellationToken);
                return new Uri($"http://{vm.Address}:8080");
            }
            catch (HttpRequestException)
            {
            }
        }

        throw new Xunit.Sdk.XunitException("no node answers on the edge's port 8080");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
