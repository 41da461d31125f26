using Mlstack.Build.Cluster;

namespace Mlstack.Tests.Cluster;

/// <summary>The preflight's decisions from the facts it reads on every node (ClusterBootstrapTests reads them for
/// real on three VMs): each failed check one line naming the host and what to do, a drained or down node marked so
/// a caller may go on without it, engines of two major versions, a port closed to some hosts, and IPVS deciding the
/// endpoint mode.</summary>
public sealed class ClusterPreflightJudgeTests
{
    private static readonly ClusterInventory Inventory = ClusterInventoryReader.Parse("""
        hosts:
          - { host: 10.0.0.11, roles: [manager, data] }
          - { host: 10.0.0.12, roles: [manager, app] }
          - { host: 10.0.0.13, roles: [worker] }
        """, "stack/cluster.yaml");

    private static ClusterHost H(int i) => Inventory.Hosts[i];

    private static SwarmMembership Member(int i) => SwarmMembership.Parse(
        $$$"""{"NodeID":"n{{{i}}}","LocalNodeState":"active","ControlAvailable":true,"Error":"","RemoteManagers":[{"NodeID":"n0","Addr":"10.0.0.11:2377"}],"Cluster":{"ID":"ours"}}""");

    private static NodeFacts Healthy(int i, string version = "20.10.24", Ipvs ipvs = Ipvs.Absent)
    {
        var probes = ClusterPreflightJudge.ProbesFrom(Inventory, H(i));
        return new NodeFacts(H(i))
        {
            Engine = new EngineVersion(version, "1.41"),
            Membership = Member(i),
            DataRoot = "/var/lib/docker",
            DiskFree = 40L << 30,
            Probed = probes,
            Open = probes.ToHashSet(),
            Ipvs = ipvs,
            Kernel = "6.1.0-18-amd64",
        };
    }

    private static List<NodeFacts> AllHealthy() => [Healthy(0), Healthy(1), Healthy(2)];

    private static List<SwarmNodeState> Nodes(string availability2 = "Active", string status2 = "Ready") =>
    [
        new("n0", "node1", "Ready", "Active", "Leader"),
        new("n1", "node2", "Ready", "Active", "Reachable"),
        new("n2", "node3", status2, availability2, "Reachable"),
    ];

    private static ClusterPreflightReport Judge(IReadOnlyList<NodeFacts> facts, IReadOnlyList<SwarmNodeState>? nodes = null) =>
        ClusterPreflightJudge.Judge(Inventory, facts, nodes ?? Nodes());

    [Fact]
    public void Three_healthy_nodes_without_ipvs_pass_with_dnsrr_and_say_udp_is_not_checked()
    {
        var report = Judge(AllHealthy());

        Assert.True(report.Passed(), string.Join('\n', report.Failures));
        Assert.False(report.HasIpvs);
        Assert.Contains("endpoint_mode dnsrr and host-mode published ports", report.Mode);
        Assert.Contains("no IPVS: kernel 6.1.0-18-amd64 on 10.0.0.11, 10.0.0.12, 10.0.0.13", report.Mode);
        Assert.Contains(report.Notes, n => n.StartsWith("Preflight: not checked: 7946/udp (gossip) and 4789/udp", StringComparison.Ordinal));
        Assert.Equal(["node1", "node2", "node3"], report.Rows.Select(r => r.Hostname));
        Assert.All(report.Rows, r => Assert.Equal(("20.10.24 (API 1.41)", "4/4 open", "no", "40.0 GB"), (r.Engine, r.Ports, r.Ipvs, r.DiskFree)));
        Assert.Equal(["leader, ready, active", "manager, ready, active", "manager, ready, active"], report.Rows.Select(r => r.Swarm));
        Assert.Equal("worker (+manager)", report.Rows[2].Roles);
        Assert.Empty(report.Degraded);
    }

    [Fact]
    public void Every_node_with_ipvs_gets_the_routing_mesh_and_one_without_makes_it_dnsrr()
    {
        var all = Judge([Healthy(0, ipvs: Ipvs.Loaded), Healthy(1, ipvs: Ipvs.Module), Healthy(2, ipvs: Ipvs.Loaded)]);
        Assert.True(all.HasIpvs);
        Assert.Contains("virtual IPs and the routing mesh", all.Mode);
        Assert.Equal(["yes", "yes (module)", "yes"], all.Rows.Select(r => r.Ipvs));

        var one = Judge([Healthy(0, ipvs: Ipvs.Loaded), Healthy(1, ipvs: Ipvs.Loaded), Healthy(2, ipvs: Ipvs.Absent)]);
        Assert.False(one.HasIpvs);
        Assert.EndsWith("(no IPVS: kernel 6.1.0-18-amd64 on 10.0.0.13); a service's virtual IP would resolve but not answer.", one.Mode);
        Assert.True(one.Passed()); // a mode, not a failure
    }

    [Fact]
    public void Engines_of_two_major_versions_fail_in_one_line_and_two_releases_of_one_are_a_note()
    {
        var majors = Judge([Healthy(0), Healthy(1, "24.0.7"), Healthy(2)]);
        var failure = Assert.Single(majors.Failures);
        Assert.Equal("The engines differ in major version (20.10.24 on 10.0.0.11, 10.0.0.13; 24.0.7 on 10.0.0.12); a swarm's nodes should run one: upgrade the older ones (one at a time), then run Preflight again.", failure.Line);
        Assert.False(failure.Degraded);

        var minors = Judge([Healthy(0), Healthy(1, "20.10.21"), Healthy(2)]);
        Assert.True(minors.Passed());
        Assert.Contains("Preflight: the engines run 20.10.24 on 10.0.0.11, 10.0.0.13; 20.10.21 on 10.0.0.12: one major version, which Swarm accepts; one release everywhere is best.", minors.Notes);
    }

    [Fact]
    public void A_drained_node_is_one_degraded_line_naming_it_and_the_caller_decides()
    {
        var report = Judge(AllHealthy(), Nodes(availability2: "Drain"));

        var failure = Assert.Single(report.Failures);
        Assert.Equal("10.0.0.13 (node node3) is drained: Swarm runs no new tasks on it; make it active (docker node update --availability active node3, on a manager) or take 10.0.0.13 out of stack/cluster.yaml.", failure.Line);
        Assert.Equal([H(2)], report.Degraded);
        Assert.False(report.Passed());
        Assert.True(report.Passed(allowDegraded: true));
        Assert.Equal("manager, ready, drain", report.Rows[2].Swarm);
    }

    [Fact]
    public void A_node_down_whose_host_does_not_answer_is_one_degraded_line()
    {
        var facts = AllHealthy();
        facts[2] = new NodeFacts(H(2)) { Unreachable = "Cannot reach root@10.0.0.13:22 over SSH (Connection refused); check --host and that sshd listens there." };
        // A stopped VM answers no port either: the others' probes to it are not lines of their own.
        for (var i = 0; i < 2; i++)
            facts[i] = facts[i] with { Open = facts[i].Probed.Where(p => p.Address != "10.0.0.13").ToHashSet() };
        var report = Judge(facts, Nodes(status2: "Down"));

        Assert.True(report.Passed(allowDegraded: true), string.Join('\n', report.Failures));
        var failure = Assert.Single(report.Failures);
        Assert.StartsWith("10.0.0.13 (node node3) is down in the swarm and does not answer over SSH (Cannot reach root@10.0.0.13:22 over SSH (Connection refused);", failure.Line);
        Assert.True(failure.Degraded);
        Assert.Equal(("no SSH", "?"), (report.Rows[2].Engine, report.Rows[2].Ipvs));
        Assert.Contains("not known on 10.0.0.13", report.Mode); // unknown is not IPVS
    }

    [Fact]
    public void A_host_that_does_not_answer_over_ssh_while_its_node_is_ready_blocks_even_a_degraded_deploy()
    {
        var facts = AllHealthy();
        facts[1] = new NodeFacts(H(1)) { Unreachable = "Host key of 10.0.0.12:22 has CHANGED (possible man-in-the-middle): …" };
        var report = Judge(facts);

        Assert.Equal("Host key of 10.0.0.12:22 has CHANGED (possible man-in-the-middle): …", Assert.Single(report.Failures).Line);
        Assert.False(report.Passed(allowDegraded: true));

        facts[1] = new NodeFacts(H(1)) { Unreachable = "No SSH key: none of ~/.ssh/id_ed25519, ~/.ssh/id_ecdsa, ~/.ssh/id_rsa exists; give one with --ssh-key FILE." };
        Assert.StartsWith("10.0.0.12: No SSH key:", Assert.Single(Judge(facts).Failures).Line); // every line names its host
    }

    [Fact]
    public void A_port_closed_to_some_hosts_is_one_line_naming_its_owner_and_those_it_did_not_answer()
    {
        var facts = AllHealthy();
        var gossip = new TcpProbe("10.0.0.12", 7946);
        facts[0] = facts[0] with { Open = facts[0].Open.Where(p => p != gossip).ToHashSet() };
        facts[2] = facts[2] with { Open = facts[2].Open.Where(p => p != gossip).ToHashSet() };
        var report = Judge(facts);

        var failure = Assert.Single(report.Failures);
        Assert.Equal("10.0.0.12 does not answer on 10.0.0.12:7946/tcp (Swarm's gossip port) from 10.0.0.11, 10.0.0.13; open it at 10.0.0.12's firewall to the other hosts (and 7946/udp, 4789/udp), then run Preflight again.", failure.Line);
        Assert.Equal(H(1), failure.Host);
        Assert.Equal("2/4 open", report.Rows[1].Ports);
    }

    [Fact]
    public void Each_host_probes_the_managers_port_of_every_other_manager_and_everyones_gossip_port()
    {
        var two = ClusterInventoryReader.Parse("""
            hosts:
              - { host: 10.0.0.11, roles: [manager] }
              - { host: 10.0.0.12, roles: [worker] }
            """, "c.yaml");

        Assert.Equal([new TcpProbe("10.0.0.11", 2377), new TcpProbe("10.0.0.11", 7946)], ClusterPreflightJudge.ProbesFrom(two, two.Hosts[1]));
        Assert.Equal([new TcpProbe("10.0.0.12", 7946)], ClusterPreflightJudge.ProbesFrom(two, two.Hosts[0]));
    }

    [Fact]
    public void Low_disk_a_silent_engine_and_a_host_in_no_swarm_are_each_one_line()
    {
        var facts = AllHealthy();
        facts[0] = facts[0] with { DiskFree = 300L << 20 };
        facts[1] = facts[1] with { Engine = null, EngineError = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" };
        facts[2] = facts[2] with { Membership = SwarmMembership.Parse("""{"NodeID":"","LocalNodeState":"inactive","ControlAvailable":false}""") };
        var report = Judge(facts, Nodes()[..2]);

        Assert.Equal(
        [
            "10.0.0.11 has 300.0 MB free in /var/lib/docker (the engine's data root, where images land); Preflight wants 2.0 GB. Free space there (docker image prune, on it), then run Preflight again.",
            "10.0.0.12: the Docker Engine does not answer (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?); run ./build.sh Bootstrap --cluster stack/cluster.yaml (it installs and starts it), then Preflight again.",
            "10.0.0.13 is in no swarm; run ./build.sh Bootstrap --cluster stack/cluster.yaml (it forms the swarm and joins the hosts), then Preflight again.",
        ], report.Failures.Select(f => f.Line));
        Assert.All(report.Failures, f => Assert.DoesNotContain('\n', f.Line));
        Assert.Equal(["no answer", "no swarm"], [report.Rows[1].Engine, report.Rows[2].Swarm]);
    }

    [Fact]
    public void The_table_keeps_its_columns_apart_however_long_a_cell_is()
    {
        var table = Judge([Healthy(0, "20.10.24+dfsg1"), Healthy(1, "20.10.24+dfsg1"), Healthy(2, "20.10.24+dfsg1")]).Table().ToList();

        Assert.Equal(4, table.Count);
        Assert.Matches(@"^node\s+hostname\s+roles\s+engine\s+swarm\s+disk free\s+ports\s+IPVS$", table[0]);
        Assert.Matches(@"^10\.0\.0\.13  node3\s+worker \(\+manager\)  20\.10\.24\+dfsg1 \(API 1\.41\)  manager, ready, active  40\.0 GB\s+4/4 open  no$", table[3]);
        Assert.Single(table.Take(1).Select(l => l.IndexOf("engine", StringComparison.Ordinal)).Concat(table.Skip(1).Select(l => l.IndexOf("20.10", StringComparison.Ordinal))).Distinct());
    }

    [Fact]
    public void Nodes_no_manager_could_list_are_one_line_not_a_pass()
    {
        var report = ClusterPreflightJudge.Judge(Inventory, AllHealthy(), nodes: null);

        Assert.Equal("No manager listed the swarm's nodes (docker node ls on 10.0.0.11, 10.0.0.12, 10.0.0.13 failed: with too few managers up the swarm has no leader); bring the managers back (docker node ls on one says why), then run Preflight again.",
            Assert.Single(report.Failures).Line);
    }

    [Fact]
    public void A_host_in_another_swarm_is_named_as_bootstrap_names_it()
    {
        var facts = AllHealthy();
        facts[2] = facts[2] with { Membership = SwarmMembership.Parse("""{"NodeID":"x9","LocalNodeState":"active","ControlAvailable":true,"Error":"","Cluster":{"ID":"theirs0000000000"}}""") };
        var report = Judge(facts, Nodes()[..2]);

        var failure = Assert.Single(report.Failures);
        Assert.StartsWith("10.0.0.13 is already in another swarm (cluster theirs000000; the one 10.0.0.11 manages (cluster ours)); Preflight changed nothing.", failure.Line);
        Assert.Equal(H(2), failure.Host);
    }

    [Fact]
    public void The_probes_answers_are_read_back()
    {
        Assert.Equal(new EngineVersion("20.10.24", "1.41"), EngineVersion.Parse("20.10.24 1.41\n"));
        Assert.Equal(20, EngineVersion.Parse("20.10.24 1.41")!.Major);
        Assert.Null(EngineVersion.Parse(""));
        Assert.Equal((Ipvs.Absent, "6.18.44-fc-v1272"), IpvsProbe.Parse("absent 6.18.44-fc-v1272\n"));
        Assert.Equal(Ipvs.Unknown, IpvsProbe.Parse("").State);
        var nodes = SwarmNodeState.ParseList("""
            {"Availability":"Drain","EngineVersion":"20.10.24","Hostname":"mlstack-node3","ID":"abc","ManagerStatus":"Reachable","Self":false,"Status":"Ready","TLSStatus":"Ready"}
            {"Availability":"Active","EngineVersion":"20.10.24","Hostname":"mlstack-node1","ID":"def","ManagerStatus":"Leader","Self":true,"Status":"Ready","TLSStatus":"Ready"}
            """);
        Assert.Equal(("abc", "mlstack-node3", false, true, true), (nodes[0].Id, nodes[0].Hostname, nodes[0].IsActive, nodes[0].IsReady, nodes[0].IsManager));
        Assert.True(nodes[1].IsLeader);
    }
}
