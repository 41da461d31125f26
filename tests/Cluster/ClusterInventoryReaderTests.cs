using Mlstack.Build.Cluster;
using Mlstack.Build.Core;

namespace Mlstack.Tests.Cluster;

/// <summary>stack/cluster.yaml read and checked: what a good inventory gives, and each mistake as one line that names
/// the file, the line or host, and what to write instead.</summary>
public sealed class ClusterInventoryReaderTests
{
    private const string File = "stack/cluster.yaml";

    private const string Three = """
        ssh_key: ~/.ssh/mlstack
        hosts:
          - host: root@10.0.0.11
            roles: [manager, data]
            host_fingerprint: SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
          - host: deploy@vm2.example.com:2222
            address: 10.0.0.12
            roles: [app]
            ssh_key: /keys/vm2
          - host: 10.0.0.13
            roles: worker
        """;

    private static string Error(string yaml) =>
        Assert.Throws<BuildInputException>(() => ClusterInventoryReader.Parse(yaml, File)).Message;

    [Fact]
    public void A_three_host_inventory_gives_targets_roles_addresses_and_ssh_settings()
    {
        var inventory = ClusterInventoryReader.Parse(Three, File);

        Assert.Equal(["10.0.0.11", "vm2.example.com", "10.0.0.13"], inventory.Hosts.Select(h => h.Name));
        var second = inventory.Hosts[1];
        Assert.Equal(("deploy", 2222, "10.0.0.12", "/keys/vm2"), (second.Target.User, second.Target.Port, second.Address, second.SshKey));
        Assert.Equal("~/.ssh/mlstack", inventory.Hosts[0].SshKey);
        Assert.Equal("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", inventory.Hosts[0].HostFingerprint);
        Assert.Equal([ClusterRole.Worker], inventory.Hosts[2].Roles);
        Assert.Equal("true", inventory.Hosts[0].Labels["mlstack.role.data"]);
        Assert.Equal(6, inventory.Hosts[1].Line);
    }

    [Fact]
    public void Three_hosts_get_three_managers_and_the_first_manager_initialises_the_swarm()
    {
        var inventory = ClusterInventoryReader.Parse(Three, File);

        Assert.Equal("10.0.0.11", inventory.FirstManager.Name);
        Assert.Equal(3, inventory.Managers.Count);
        Assert.Contains("survives the loss of 1 manager", inventory.QuorumNote, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_hosts_say_that_quorum_cannot_survive_a_loss()
    {
        var inventory = ClusterInventoryReader.Parse("""
            hosts:
              - { host: 10.0.0.11, roles: [manager] }
              - { host: 10.0.0.12, roles: [worker] }
            """, File);

        Assert.Equal(["10.0.0.11"], inventory.Managers.Select(h => h.Name));
        Assert.StartsWith("1 manager(s): the swarm cannot survive the loss of a manager", inventory.QuorumNote, StringComparison.Ordinal);
    }

    [Fact]
    public void Hosts_without_the_worker_role_are_made_managers_first()
    {
        var inventory = ClusterInventoryReader.Parse("""
            hosts:
              - { host: 10.0.0.11, roles: [manager] }
              - { host: 10.0.0.12, roles: [worker] }
              - { host: 10.0.0.13, roles: [worker] }
              - { host: 10.0.0.14, roles: [app] }
            """, File);

        Assert.Equal(["10.0.0.11", "10.0.0.12", "10.0.0.14"], inventory.Managers.Select(h => h.Name));
    }

    [Theory]
    [InlineData("hosts:\n  - { host: 10.0.0.11, roles: [manager, db] }", "stack/cluster.yaml line 2 (host 10.0.0.11): unknown role 'db'; the roles are manager, data, app, worker.")]
    [InlineData("hosts:\n  - { host: 10.0.0.11, roles: [app] }", "stack/cluster.yaml: no host has the manager role")]
    [InlineData("hosts:\n  - { host: 10.0.0.11, roles: [manager] }\n  - { host: root@10.0.0.11:22, roles: [app] }", "stack/cluster.yaml line 3 (host 10.0.0.11): listed twice (first on line 2)")]
    [InlineData("hosts:\n  - { host: 10.0.0.11, roles: [manager, data] }\n  - { host: 10.0.0.12, roles: [data] }", "stack/cluster.yaml line 3 (host 10.0.0.12): the data role is already 10.0.0.11's (line 2)")]
    [InlineData("hosts:\n  - { host: vm1.example.com, roles: [manager] }", "stack/cluster.yaml line 2 (host vm1.example.com): give address: the IP address")]
    [InlineData("hosts:\n  - { host: 10.0.0.11, roles: [manager], adress: 10.0.0.11 }", "stack/cluster.yaml line 2: unknown key 'adress' in a host")]
    [InlineData("hosts:\n  - { host: 10.0.0.11, roles: [manager] }\n  - { host: 10.0.0.12, address: 10.0.0.11, roles: [app] }", "stack/cluster.yaml line 3 (host 10.0.0.12): address 10.0.0.11 is also 10.0.0.11's (line 2)")]
    [InlineData("hosts:\n  - { host: 10.0.0.11 }", "stack/cluster.yaml line 2 (host 10.0.0.11): no roles:")]
    [InlineData("hosts:\n  - { host: 'root@', roles: [manager] }", "stack/cluster.yaml line 2: host 'root@' is not valid")]
    [InlineData("hosts: []", "stack/cluster.yaml: no hosts; list them under hosts:")]
    [InlineData("hosts:\n  - { host: 10.0.0.11, roles: [manager], host_fingerprint: MD5:aa }", "Parameter --host-fingerprint: 'MD5:aa' is not valid")]
    [InlineData("hosts: [ { host: 10.0.0.11", "stack/cluster.yaml line 2: not valid YAML")]
    public void A_mistake_is_one_line_that_names_where_and_what_to_do(string yaml, string expected)
    {
        var message = Error(yaml);

        Assert.StartsWith(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void A_missing_file_names_the_parameter()
    {
        var message = Assert.Throws<BuildInputException>(() => ClusterInventoryReader.Load("/nonexistent/cluster.yaml")).Message;

        Assert.StartsWith("Parameter --cluster: /nonexistent/cluster.yaml does not exist", message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_example_in_the_repository_reads()
    {
        var inventory = ClusterInventoryReader.Load(Path.Combine(Support.RepositoryRoot.Path, "stack", "cluster.example.yaml"));

        Assert.Equal(["10.0.0.11", "10.0.0.12", "10.0.0.13"], inventory.Hosts.Select(h => h.Address));
        Assert.Equal(3, inventory.Managers.Count);
    }
}
