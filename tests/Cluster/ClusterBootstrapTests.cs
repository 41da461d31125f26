using System.Text.RegularExpressions;
using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Cluster;
using Mlstack.Build.Core;
using Mlstack.Build.Doctor;
using Mlstack.Build.Engine;
using Mlstack.Build.Remote;
using Mlstack.Build.Testing;
using Mlstack.Tests.Remote;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Cluster;

/// <summary>Bootstrap --cluster on three real VMs (own sshd, dockerd, hostname; links on a switch of their own): a
/// VM already in a swarm of its own is refused by name before anything changes; then the cluster forms with three
/// managers (the worker promoted), every node ready and labelled from its roles; a second run changes nothing; the
/// preflight passes on it, then names a drained node and a closed gossip port; a node that left and made a swarm of its
/// own is refused by cluster id.
/// One test, in this order: each step starts from the state the one before left. Another ships an image to all three
/// VMs at once (it needs no swarm, and leaves none of its images behind).</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(EngineTests.Name)]
public sealed class ClusterBootstrapTests(TestCluster cluster) : IClassFixture<TestCluster>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlstack-cluster-test-").FullName;

    private string WriteInventory() => cluster.WriteInventory(_directory, "manager, data", "manager, app", "worker");

    /// <summary>Runs Bootstrap as an operator would; its report goes to the test's output, to read when a step fails.</summary>
    private static async Task<ProcessResult> BootstrapAsync(string inventory)
    {
        var result = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Bootstrap", "--cluster", inventory, "--deploy-path", "/srv/ready"]);
        TestContext.Current.TestOutputHelper?.WriteLine(result.Output);
        return result;
    }

    private static DockerClient Engine(TestVm vm) => EngineClients.Connect(new Uri($"unix://{vm.EngineSocket}"), TimeSpan.FromMinutes(1));

    [Fact]
    public async Task A_vm_in_another_swarm_is_refused_then_the_cluster_forms_with_three_managers_and_a_second_run_changes_nothing()
    {
        cluster.Require();
        var ct = TestContext.Current.CancellationToken;
        var inventory = WriteInventory();
        var (first, loner) = (cluster.Vms[0], cluster.Vms[2]);

        using (var engine = Engine(loner))
            await engine.Swarm.InitSwarmAsync(new SwarmInitParameters { ListenAddr = "0.0.0.0:2377", AdvertiseAddr = loner.Address }, ct);
        var refused = await BootstrapAsync(inventory);
        Assert.True(refused.ExitCode != 0, refused.Output);
        Assert.Contains($"{loner.Address} is already in another swarm (cluster ", refused.Output);
        Assert.Contains("Bootstrap changed nothing.", refused.Output);
        Assert.False(Directory.Exists(Path.Combine(first.PrivateSrv, "ready")), "the refusal came after a change");
        using (var engine = Engine(first))
            Assert.Equal("inactive", (await engine.System.GetSystemInfoAsync(ct)).Swarm.LocalNodeState);
        using (var engine = Engine(loner))
            await engine.Swarm.LeaveSwarmAsync(new SwarmLeaveParameters { Force = true }, ct);

        var formed = await BootstrapAsync(inventory);
        Assert.True(formed.ExitCode == 0, formed.Output);
        Assert.Contains("swarm init", formed.Output);
        Assert.Matches(@"worker \(\+manager\)\s+(manager|leader), ready\s+.*joined as manager", formed.Output);
        Assert.Contains("3 managers: the swarm survives the loss of 1 manager(s).", formed.Output);
        foreach (var vm in cluster.Vms)
        {
            using var engine = Engine(vm);
            var nodes = await engine.Swarm.ListNodesAsync(ct); // only a manager may list them
            Assert.Equal(3, nodes.Count);
            Assert.All(nodes, n => Assert.Equal(("manager", "ready", "reachable"), (n.Spec!.Role, n.Status!.State, n.ManagerStatus?.Reachability)));
            Assert.Equal(["mlstack-node1", "mlstack-node2", "mlstack-node3"], nodes.Select(n => n.Description!.Hostname).Order(StringComparer.Ordinal));
            var labels = nodes.Single(n => n.Description!.Hostname == "mlstack-node1").Spec!.Labels;
            Assert.Equal(["mlstack.role.data", "mlstack.role.manager"], labels.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(["mlstack.role.worker"], nodes.Single(n => n.Description!.Hostname == "mlstack-node3").Spec!.Labels.Keys);
        }

        var again = await BootstrapAsync(inventory);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains("was ready; nothing changed.", again.Output);
        Assert.DoesNotContain("joined as", again.Output);

        await PreflightOnTheFormedClusterAsync(inventory, ct);

        // A node that left the cluster and made a swarm of its own: refused by the cluster ids, the cluster untouched.
        using (var engine = Engine(loner))
        {
            await engine.Swarm.LeaveSwarmAsync(new SwarmLeaveParameters { Force = true }, ct);
            await engine.Swarm.InitSwarmAsync(new SwarmInitParameters { ListenAddr = "0.0.0.0:2377", AdvertiseAddr = loner.Address }, ct);
        }

        var strayed = await BootstrapAsync(inventory);
        Assert.True(strayed.ExitCode != 0, strayed.Output);
        Assert.Matches($@"{Regex.Escape(loner.Address)} is already in another swarm \(cluster \w+; the one {Regex.Escape(first.Address)} manages \(cluster \w+\)\); Bootstrap changed nothing\.", strayed.Output);
    }

    /// <summary>Preflight on the cluster just formed, through the target: every node passes, and the endpoint mode is
    /// what this kernel (which the VMs share) allows. Then two faults, each made and undone: a drained node fails the
    /// target in one line naming it; a node whose firewall rejects 7946/tcp is named, through the class, with the two
    /// hosts it did not answer.</summary>
    private async Task PreflightOnTheFormedClusterAsync(string inventory, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var vms = cluster.Vms;
        var kernel = IpvsProbe.Parse((await ChildProcess.RunAsync("sh", ["-c", IpvsProbe.Command])).Output);
        var passed = await PreflightAsync(inventory);
        Assert.True(passed.ExitCode == 0, passed.Output);
        Assert.Contains($"Preflight: the 3 hosts of {inventory} passed every check; nothing was changed.", passed.Output);
        foreach (var (vm, n) in vms.Select((vm, i) => (vm, i + 1)))
            Assert.Matches($@"(?m)^{Regex.Escape(vm.Address)}\s+mlstack-node{n}\s+.+?\s+[\d.]+\S* \(API [\d.]+\)\s+(leader|manager), ready, active\s+[\d.]+ [GMT]B\s+4/4 open\s+{(kernel.State.Has() ? "yes" : "no")}", passed.Output);
        Assert.Contains(kernel.State.Has() ? "mode: virtual IPs and the routing mesh" : $"mode: endpoint_mode dnsrr and host-mode published ports, because not every node's kernel has IPVS (no IPVS: kernel {kernel.Kernel} on {string.Join(", ", vms.Select(v => v.Address))})", passed.Output);
        Assert.Contains("Preflight: not checked: 7946/udp (gossip) and 4789/udp", passed.Output);
        var passTime = clock.Elapsed;

        var drained = vms[2];
        await SetAvailabilityAsync("mlstack-node3", "drain", ct);
        try
        {
            var refused = await PreflightAsync(inventory);
            Assert.True(refused.ExitCode != 0, refused.Output);
            var line = $"{drained.Address} (node mlstack-node3) is drained: Swarm runs no new tasks on it; make it active (docker node update --availability active mlstack-node3, on a manager) or take {drained.Address} out of {inventory}.";
            Assert.Contains(line, refused.Output);
            Assert.Equal(1, refused.Output.Split('\n').Count(l => l.Trim() == line)); // its own line; the summary repeats it inside its own
            Assert.Matches($@"(?m)^{Regex.Escape(drained.Address)}\s+mlstack-node3\s+.*manager, ready, drain", refused.Output);
        }
        finally
        {
            await SetAvailabilityAsync("mlstack-node3", "active", ct);
        }

        var drainTime = clock.Elapsed - passTime;
        var closed = vms[1];
        string[] rule = ["-p", "tcp", "--dport", "7946", "-j", "REJECT", "--reject-with", "tcp-reset"];
        await closed.InNetworkAsync(["iptables", "-I", "INPUT", .. rule]);
        ClusterPreflightReport report;
        try
        {
            var hosts = ClusterInventoryReader.Load(inventory);
            report = await new ClusterPreflight(hosts, (h, c) => SshSession.ConnectAsync(h.Target,
                HostKeyTrust.Pinned(vms.Single(v => v.Address == h.Address).HostKeyFingerprint), h.SshKey, c), Quiet(new StringWriter())).RunAsync(ct);
        }
        finally
        {
            await closed.InNetworkAsync(["iptables", "-D", "INPUT", .. rule]);
        }

        var failure = Assert.Single(report.Failures);
        Assert.Equal($"{closed.Address} does not answer on {closed.Address}:7946/tcp (Swarm's gossip port) from {vms[0].Address}, {vms[2].Address}; open it at {closed.Address}'s firewall to the other hosts (and 7946/udp, 4789/udp), then run Preflight again.", failure.Line);
        Assert.Equal(["4/4 open", "2/4 open", "4/4 open"], report.Rows.Select(r => r.Ports));
        Assert.Equal(kernel.State.Has(), report.HasIpvs);
        TestContext.Current.TestOutputHelper?.WriteLine($"preflight: passing run {passTime.TotalSeconds:0.0} s, drained {drainTime.TotalSeconds:0.0} s, closed port (class) {(clock.Elapsed - passTime - drainTime).TotalSeconds:0.0} s");
    }

    private static async Task<ProcessResult> PreflightAsync(string inventory)
    {
        var result = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Preflight", "--cluster", inventory]);
        TestContext.Current.TestOutputHelper?.WriteLine(result.Output);
        return result;
    }

    /// <summary>Drains a node or makes it active again, through the first VM's engine (a manager), as an operator's
    /// docker node update would.</summary>
    private async Task SetAvailabilityAsync(string hostname, string availability, CancellationToken ct)
    {
        using var manager = Engine(cluster.Vms[0]);
        var node = (await manager.Swarm.ListNodesAsync(ct)).Single(n => n.Description!.Hostname == hostname);
        await manager.Swarm.UpdateNodeAsync(node.ID, node.Version?.Index ?? 0, new NodeUpdateParameters
        {
            Name = node.Spec!.Name,
            Role = node.Spec.Role,
            Labels = node.Spec.Labels,
            Availability = availability,
        }, ct);
    }

    [Fact]
    public async Task Images_reach_every_node_from_one_push_each_node_pulls_only_what_it_lacks_and_a_lost_node_is_named()
    {
        cluster.Require();
        var ct = TestContext.Current.CancellationToken;
        var name = $"mlstack-ship-test/cluster-{Guid.NewGuid():N}"[..40];
        var (v1, v2, v3) = ($"{name}:v1", $"{name}:v2", $"{name}:v3");
        var store = Path.Combine(_directory, "registry"); // a private blob store: every layer is new to it
        var vms = cluster.Vms;
        var sessions = await Task.WhenAll(vms.Select(vm => SshSession.ConnectAsync(vm.Target, HostKeyTrust.Pinned(vm.HostKeyFingerprint), vm.ClientKeyPath, ct)));
        using var local = EngineProbe.Client(EngineProbe.Endpoint().Endpoint);
        var logs = new StringWriter();
        try
        {
            // Layers of random bytes on nothing: small (no base image to move), each layer's push visible.
            await LocalImages.BuildAsync(local, v1, "FROM scratch\nCOPY one /one\nCOPY two /two\n",
                new Dictionary<string, byte[]> { ["one"] = LocalImages.Random(200_000), ["two"] = LocalImages.Random(100_000) });
            var id = (await local.Images.InspectImageAsync(v1, ct)).ID;
            var clock = System.Diagnostics.Stopwatch.StartNew();

            var log = new StringWriter();
            var first = await ImageShipper.ShipToNodesAsync(local, sessions, [v1], Verbose(log), store, parallel: 3, ct);
            var shipTime = clock.Elapsed;
            Assert.Equal(vms.Select(vm => vm.Target), first.Select(n => n.Node));
            foreach (var (vm, shipment) in vms.Zip(first))
            {
                var shipped = Assert.Single(shipment.Images);
                Assert.Equal((id, 2, 0), (shipped.ImageId, shipped.LayersMoved, shipped.LayersPresent));
                Assert.InRange(shipped.BytesMoved, 300_000, 320_000); // random bytes do not compress
                using var engine = Engine(vm);
                Assert.Equal(id, (await engine.Images.InspectImageAsync(v1, ct)).ID);
                Assert.DoesNotContain((await engine.Images.ListImagesAsync(new ImagesListParameters(), ct)).SelectMany(i => i.RepoTags ?? []),
                    t => t.StartsWith("localhost:", StringComparison.Ordinal));
                Assert.Matches($@"Deploy: shipped {Regex.Escape(v1)} \(\w+\) to {Regex.Escape(vm.Address)}: [\d.]+ kB in 2 layer\(s\), 0 already on the node; pull", log.ToString());
            }

            // One push: the local engine's own progress says "Pushed" once per layer; pushing the same image again to
            // the same registry would say "Layer already exists" for each instead.
            var pushLines = log.ToString().Split('\n').Where(l => l.Contains($"Deploy: push {v1}:", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, pushLines.Count(l => l.TrimEnd().EndsWith(" Pushed", StringComparison.Ordinal)));
            Assert.DoesNotContain(pushLines, l => l.Contains("already exists", StringComparison.OrdinalIgnoreCase));
            Assert.Contains($"{v1} ({id[7..19]}) to the loopback registry once for 3 nodes: 2 layer(s)", log.ToString());
            logs.Write(log);

            log = new StringWriter();
            var again = await ImageShipper.ShipToNodesAsync(local, sessions, [v1], Verbose(log), store, parallel: 3, ct);
            Assert.All(again, n => Assert.Equal((id, 0L), (Assert.Single(n.Images).ImageId, n.Images[0].BytesMoved)));
            Assert.All(vms, vm => Assert.Contains($"Deploy: {v1} is already on {vm.Address} (", log.ToString()));
            Assert.DoesNotContain("Deploy: push", log.ToString());
            var againTime = clock.Elapsed - shipTime;
            logs.Write(log);

            // A release with one new layer that the first node already has (shipped by the one-VM path): each node
            // pulls only what it lacks, and only the new layer moves.
            await LocalImages.BuildAsync(local, v2, $"FROM {v1}\nCOPY three /three\n", new Dictionary<string, byte[]> { ["three"] = LocalImages.Random(50_000) });
            log = new StringWriter();
            Assert.Equal(1, Assert.Single(await ImageShipper.ShipAsync(local, sessions[0], [v2], Verbose(log), store, ct)).LayersMoved);
            var release = await ImageShipper.ShipToNodesAsync(local, sessions, [v1, v2], Verbose(log), store, parallel: 2, ct);
            Assert.All(release[0].Images, i => Assert.Equal(0, i.BytesMoved));
            Assert.Contains($"Deploy: {v2} is already on {vms[0].Address} (", log.ToString());
            foreach (var shipment in release.Skip(1))
            {
                Assert.Equal(0, shipment.Images[0].BytesMoved);
                Assert.Equal((1, 2), (shipment.Images[1].LayersMoved, shipment.Images[1].LayersPresent));
                Assert.InRange(shipment.Images[1].BytesMoved, 50_000, 60_000);
            }

            Assert.Contains($"to the loopback registry once for 2 nodes: 3 layer(s)", log.ToString());
            logs.Write(log);

            // A node whose connection drops is named, in one line, before anything moves to any node.
            await LocalImages.BuildAsync(local, v3, $"FROM {v2}\nCOPY four /four\n", new Dictionary<string, byte[]> { ["four"] = LocalImages.Random(10_000) });
            await vms[1].DropSshConnectionsAsync();
            log = new StringWriter();
            var lost = await Assert.ThrowsAsync<SshConnectionLostException>(() => ImageShipper.ShipToNodesAsync(local, sessions, [v3], Verbose(log), store, parallel: 3, ct));
            Assert.StartsWith($"The SSH connection to {vms[1].Target} was lost while checking which images it has (", lost.Message);
            Assert.DoesNotContain('\n', lost.Message);
            log.WriteLine(lost.Message);
            Assert.DoesNotContain("Deploy: push", log.ToString());
            foreach (var vm in vms)
            {
                using var engine = Engine(vm);
                Assert.DoesNotContain((await engine.Images.ListImagesAsync(new ImagesListParameters(), ct)).SelectMany(i => i.RepoTags ?? []), t => t == v3);
            }

            logs.Write(log);
            TestContext.Current.TestOutputHelper?.WriteLine($"first ship to 3 nodes {shipTime.TotalSeconds:0.0} s; again {againTime.TotalSeconds:0.0} s; all {clock.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            TestContext.Current.TestOutputHelper?.WriteLine(logs.ToString());
            foreach (var vm in vms)
            {
                using var engine = Engine(vm);
                await LocalImages.RemoveAsync(engine, v3, v2, v1);
            }

            await LocalImages.RemoveAsync(local, v3, v2, v1);
            foreach (var session in sessions)
                await session.DisposeAsync();
        }
    }

    private static BuildLog Quiet(StringWriter writer) => new(writer, new SecretMasker(), color: false);

    private static BuildLog Verbose(StringWriter writer) => new(writer, new SecretMasker(), color: false) { Verbosity = Verbosity.Verbose };

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
