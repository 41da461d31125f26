using Mlstack.Build.Cluster;

namespace Mlstack.Tests.Cluster;

/// <summary>Which swarm each host is in, as docker info prints it, and the refusal of a host in another swarm —
/// decided before Bootstrap changes anything, from memberships the VM test (ClusterBootstrapTests) reads for real.</summary>
public sealed class SwarmMembershipCheckTests
{
    private static readonly ClusterInventory Inventory = ClusterInventoryReader.Parse("""
        hosts:
          - { host: 10.0.0.11, roles: [manager, data] }
          - { host: 10.0.0.12, roles: [manager, app] }
          - { host: 10.0.0.13, roles: [worker] }
        """, "stack/cluster.yaml");

    private static readonly SwarmMembership Free = SwarmMembership.Parse("""{"NodeID":"","NodeAddr":"","LocalNodeState":"inactive","ControlAvailable":false,"Error":"","RemoteManagers":null}""");

    private static SwarmMembership Manager(string node, string cluster) => SwarmMembership.Parse(
        $$$"""{"NodeID":"{{{node}}}","LocalNodeState":"active","ControlAvailable":true,"Error":"","RemoteManagers":[{"NodeID":"{{{node}}}","Addr":"10.0.0.11:2377"}],"Cluster":{"ID":"{{{cluster}}}"}}""");

    private static SwarmMembership Worker(string node, string managerAddress) => SwarmMembership.Parse(
        $$"""{"NodeID":"{{node}}","LocalNodeState":"active","ControlAvailable":false,"Error":"","RemoteManagers":[{"NodeID":"m","Addr":"{{managerAddress}}"}]}""");

    private static string? Refusal(SwarmMembership first, SwarmMembership second, SwarmMembership third, params string[] firstManagersNodes) =>
        SwarmMembershipCheck.Refusal(Inventory, new Dictionary<ClusterHost, SwarmMembership>
        {
            [Inventory.Hosts[0]] = first,
            [Inventory.Hosts[1]] = second,
            [Inventory.Hosts[2]] = third,
        }, firstManagersNodes.ToHashSet());

    [Fact]
    public void Docker_info_gives_state_node_cluster_and_managers()
    {
        var manager = Manager("n1", "c1c1c1c1c1c1c1c1");
        var worker = Worker("n3", "10.0.0.11:2377");

        Assert.Equal(("active", "n1", "c1c1c1c1c1c1c1c1", true), (manager.State, manager.NodeId, manager.ClusterId, manager.IsManager));
        Assert.Equal(("active", null, false), (worker.State, worker.ClusterId, worker.IsManager));
        Assert.Equal(["10.0.0.11:2377"], worker.ManagerAddresses);
        Assert.True(Free.IsFree);
        Assert.True(SwarmMembership.Parse("").IsFree); // no engine yet: Bootstrap installs one
        Assert.True(SwarmMembership.Parse("""{"NodeID":"","LocalNodeState":"","ControlAvailable":false}""").IsFree); // the CLI, its engine stopped
    }

    [Fact]
    public void Free_hosts_and_nodes_of_the_first_managers_swarm_may_go_on()
    {
        Assert.Null(Refusal(Free, Free, SwarmMembership.Parse("")));
        Assert.Null(Refusal(Manager("n1", "ours"), Manager("n2", "ours"), Worker("n3", "10.0.0.11:2377"), "n1", "n2", "n3"));
        Assert.Null(Refusal(Manager("n1", "ours"), Free, Free, "n1"));
    }

    [Fact]
    public void A_manager_of_another_swarm_is_refused_by_name()
    {
        var refusal = Refusal(Manager("n1", "ours"), Manager("x2", "theirs0123456789"), Free, "n1");

        Assert.Equal("10.0.0.12 is already in another swarm (cluster theirs012345; the one 10.0.0.11 manages (cluster ours)); "
            + "Bootstrap changed nothing. Make it leave that swarm (docker swarm leave --force, on it) or take it out of stack/cluster.yaml.", refusal);
    }

    [Fact]
    public void A_worker_the_first_manager_does_not_list_is_in_another_swarm()
    {
        var refusal = Refusal(Manager("n1", "ours"), Free, Worker("x3", "192.168.9.9:2377"), "n1");

        Assert.StartsWith("10.0.0.13 is already in another swarm (managed at 192.168.9.9:2377;", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_host_in_a_swarm_when_the_first_manager_is_in_none_is_refused()
    {
        var refusal = Refusal(Free, Free, Manager("x3", "theirs"));

        Assert.StartsWith("10.0.0.13 is already in another swarm (cluster theirs; 10.0.0.11 (the first manager) is in no swarm)", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_first_manager_that_is_a_worker_and_a_pending_host_are_refused()
    {
        Assert.StartsWith("10.0.0.11, the first manager in stack/cluster.yaml, is a worker of a swarm managed at 10.9.9.9:2377",
            Refusal(Worker("n1", "10.9.9.9:2377"), Free, Free), StringComparison.Ordinal);
        var pending = SwarmMembership.Parse("""{"NodeID":"","LocalNodeState":"pending","ControlAvailable":false,"Error":"timeout"}""");
        Assert.StartsWith("10.0.0.12 is pending in a swarm (timeout)", Refusal(Free, pending, Free), StringComparison.Ordinal);
    }
}
