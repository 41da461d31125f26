using System.Diagnostics;
using System.Text.RegularExpressions;
using Docker.DotNet.Models;
using Mlstack.Build.Engine;
using Mlstack.Build.Testing;
using Mlstack.Tests.Deploy;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Cluster;

/// <summary>Figures, not assertions (beyond each command succeeding): the whole stack on three VMs — the first
/// <c>Deploy --cluster</c> against <c>Images</c> alone in the same run, a release with one image changed (bytes moved
/// to each node, time, failed requests under a probe through the edge's node), <c>Rollback --to</c> the first release
/// under the probe, and a node drained until every service runs its replicas again. Explicit:
/// <c>./build.sh Test --test-filter ClusterBenchmark --test-explicit</c>; writes .nuke/temp/reports/cluster-benchmark.md.</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(EngineAlone.Name)]
public sealed class ClusterBenchmarkTests(TestCluster cluster, ITestOutputHelper output) : IClassFixture<TestCluster>, IDisposable
{
    private const int ProbeRate = 20;
    private readonly string _directory = Directory.CreateTempSubdirectory("mlstack-cluster-bench-").FullName;
    private readonly List<string> _rows = [];

    [Fact(Explicit = true)]
    public async Task First_deploy_one_image_changed_rollback_and_a_drain_on_three_nodes()
    {
        cluster.Require();
        var ct = TestContext.Current.CancellationToken;
        // Nodes 2 and 3 both app and worker: either may be drained, its tasks have somewhere to go (with one worker node,
        // a drain leaves the tiers nowhere to run: their placement requires the role).
        var inventory = cluster.WriteInventory(_directory, "manager, data", "manager, app, worker", "worker, app");
        var env = Path.Combine(_directory, "cluster.env");
        File.WriteAllText(env, VmStackDriver.ProductionSettings(Guid.NewGuid().ToString("N")[..16]) + "\n");
        string[] target = ["--cluster", inventory, "--env-file", env, "--tls-at-load-balancer"];

        var images = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
            images.Add((await TimedAsync(null, RepositoryRoot.Path, "Images")).Elapsed);
        var baseline = images.Order().ElementAt(1);
        _rows.Add($"| `Images` alone, nothing changed (median of 3) | {baseline.TotalSeconds:0.0} s | |");
        await TimedAsync(null, RepositoryRoot.Path, "Bootstrap", "--cluster", inventory);

        // A registry store of the run's own, cold: every layer pushed once, then pulled by each node.
        Environment.SetEnvironmentVariable(Mlstack.Build.Remote.RegistryCache.Variable, Path.Combine(_directory, "registry-cache"));
        var first = await TimedAsync("first `Deploy --cluster` (3 empty nodes, registry store cold)", RepositoryRoot.Path, ["Deploy", .. target]);
        _rows.Add($"| … beyond `Images` | {(first.Elapsed - baseline).TotalSeconds:0.0} s | {Shipped(first.Output)} |");
        var firstId = Regex.Match(first.Output, @"Deploy: release (\S+) is live").Groups[1].Value;
        var edge = await ClusterWholeStackTests.EdgeNodeAsync(cluster);

        await OneImageChangedAsync(edge, target);
        await UnderProbeAsync("`Rollback --to` the first release", edge, () => TimedAsync(null, RepositoryRoot.Path, ["Rollback", "--to", firstId, .. target]));
        await DrainAsync(edge, ct);

        var report = string.Join('\n', ["| what | time | note |", "|---|---|---|", .. _rows]);
        output.WriteLine(report);
        var reports = Path.Combine(RepositoryRoot.Path, ".nuke", "temp", "reports");
        Directory.CreateDirectory(reports);
        await File.WriteAllTextAsync(Path.Combine(reports, "cluster-benchmark.md"), report + "\n", ct);
    }

    /// <summary>A clone of this commit with one line added to the frontend's index.html: one layer of one image
    /// changes, and its Deploy ships that to each node.</summary>
    private async Task OneImageChangedAsync(Uri edge, string[] target)
    {
        var clone = Directory.CreateTempSubdirectory("mlstack-bench-clone-").FullName;
        try
        {
            Assert.Equal(0, (await ChildProcess.RunAsync("git", ["clone", "-q", "--shared", RepositoryRoot.Path, clone])).ExitCode);
            File.AppendAllText(Path.Combine(clone, "docker", "frontend", "index.html"), $"<!-- benchmark {Guid.NewGuid():N} -->\n");
            // The clone compiles its own build program on first use: not part of the figure.
            Assert.Equal(0, (await ChildProcess.RunAsync(Path.Combine(clone, "build.sh"), ["--help"], workingDirectory: clone, timeout: TimeSpan.FromMinutes(5))).ExitCode);
            var changed = await UnderProbeAsync("`Deploy --cluster`, one image changed (frontend's index.html), Images included", edge,
                () => TimedAsync(null, clone, ["Deploy", .. target]));
            _rows.Add($"| … bytes moved | | {Shipped(changed.Output)} |");
        }
        finally
        {
            await ChildProcess.RunAsync("rm", ["-rf", clone]);
        }
    }

    /// <summary>The app node that does not run the edge, drained: its tasks move; the time until every service of the
    /// stack runs its replicas again, under the probe through the edge; then made active again.</summary>
    private async Task DrainAsync(Uri edge, CancellationToken ct)
    {
        using var manager = EngineClients.Connect(new Uri($"unix://{cluster.Vms[0].EngineSocket}"), TimeSpan.FromMinutes(1));
        var nodes = await manager.Swarm.ListNodesAsync(ct);
        var drained = nodes.Single(n => n.Status!.Addr != edge.Host && n.Spec!.Labels!.ContainsKey("mlstack.role.app"));
        var moved = (await manager.Tasks.ListAsync(new TasksListParameters(), ct)).Count(t => t.NodeID == drained.ID && t.Status!.State == TaskState.Running);
        await UnderProbeAsync($"node {drained.Description!.Hostname} drained until every service runs its replicas again ({moved} tasks moved)", edge, async () =>
        {
            var clock = Stopwatch.StartNew();
            await SetAvailabilityAsync(manager, drained, "drain", ct);
            while (!await AllRunningAsync(manager, ct))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(5), "the stack did not run all its replicas within 5 minutes of the drain");
                await Task.Delay(500, ct);
            }

            return (new ProcessResult(0, string.Empty), clock.Elapsed, string.Empty);
        });
        await SetAvailabilityAsync(manager, (await manager.Swarm.ListNodesAsync(ct)).Single(n => n.ID == drained.ID), "active", ct);
    }

    private static Task SetAvailabilityAsync(Docker.DotNet.DockerClient manager, NodeListResponse node, string availability, CancellationToken ct) =>
        manager.Swarm.UpdateNodeAsync(node.ID, node.Version!.Index ?? 0, new NodeUpdateParameters { Role = node.Spec!.Role, Labels = node.Spec.Labels, Availability = availability }, ct);

    /// <summary>Every replicated service of the stack with as many running tasks as replicas (jobs aside).</summary>
    private static async Task<bool> AllRunningAsync(Docker.DotNet.DockerClient manager, CancellationToken ct)
    {
        var tasks = await manager.Tasks.ListAsync(new TasksListParameters(), ct);
        return (await manager.Swarm.ListServicesAsync(new ServiceListParameters(), ct))
            .Where(s => s.Spec!.Mode?.Replicated?.Replicas is > 0 && !s.Spec.Name!.EndsWith("migrate", StringComparison.Ordinal) && !s.Spec.Name.EndsWith("init", StringComparison.Ordinal))
            .All(s => (ulong)tasks.Count(t => t.ServiceID == s.ID && t.Status!.State == TaskState.Running && t.DesiredState == TaskState.Running) >= s.Spec!.Mode!.Replicated!.Replicas);
    }

    /// <summary>Runs a step under the probe (/api/health and /healthz through the edge's node) and writes its row.</summary>
    private async Task<(ProcessResult Result, TimeSpan Elapsed, string Output)> UnderProbeAsync(string what, Uri edge, Func<Task<(ProcessResult Result, TimeSpan Elapsed, string Output)>> step)
    {
        await using var probe = TrafficProbe.Start(edge, [ProbeRequest.Get("/api/health"), ProbeRequest.Get("/healthz")], ProbeRate);
        var result = await step();
        var traffic = await probe.StopAsync();
        _rows.Add($"| {what} | {result.Elapsed.TotalSeconds:0.0} s | **{traffic.Failed} of {traffic.Total} requests failed**, p99 {traffic.P99.TotalMilliseconds:0} ms, max {traffic.MaxLatency.TotalMilliseconds:0} ms{(traffic.Failed > 0 ? $"; {string.Join(" | ", traffic.Failures.Take(2))}" : "")} |");
        return result;
    }

    /// <summary>The shipment's lines, summed per node: images and bytes moved to it.</summary>
    private static string Shipped(string deployOutput)
    {
        var moved = Regex.Matches(deployOutput, @"Deploy: shipped \S+ \(\w+\) to (\S+): ([\d.]+) (\w?B) in (\d+) layer\(s\)")
            .GroupBy(m => m.Groups[1].Value)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}: {g.Count()} image(s), {Mlstack.Build.Remote.Bytes.Format((long)g.Sum(m => Bytes(m.Groups[2].Value, m.Groups[3].Value)))}");
        return string.Join("; ", moved);
    }

    /// <summary>A size as Bytes.Format wrote it (binary units), back in bytes.</summary>
    private static double Bytes(string number, string unit) =>
        double.Parse(number, System.Globalization.CultureInfo.InvariantCulture) * unit switch { "GB" => 1 << 30, "MB" => 1 << 20, "kB" => 1 << 10, _ => 1 };

    private async Task<(ProcessResult Result, TimeSpan Elapsed, string Output)> TimedAsync(string? what, string root, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        var result = await ChildProcess.RunAsync(Path.Combine(root, "build.sh"), args, workingDirectory: root, timeout: TimeSpan.FromMinutes(20));
        var elapsed = clock.Elapsed;
        output.WriteLine($"== {what ?? string.Join(' ', args)}: {elapsed.TotalSeconds:0.0} s\n{result.Output}");
        Assert.True(result.ExitCode == 0, result.Output);
        if (what != null)
            _rows.Add($"| {what} | {elapsed.TotalSeconds:0.0} s | |");
        return (result, elapsed, result.Output);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
