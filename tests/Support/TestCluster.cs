using System.Diagnostics;

namespace Mlstack.Tests.Support;

/// <summary>Three "production VMs" (<see cref="TestVm"/>: own dockerd, sshd, /srv, /root) that can form a Docker
/// Swarm: each with its own hostname, their links meeting on a <see cref="VmSwitch"/> (the overlay's data path between
/// VMs works there, not on a bridge in the host's namespace). Started side by side; on dispose each VM leaves the
/// swarm before its dockerd stops, then the switch goes. Use as a class fixture.</summary>
public sealed class TestCluster : IAsyncLifetime
{
    public const int Size = 3;
    private VmSwitch? _switch;

    public IReadOnlyList<TestVm> Vms { get; private set; } = [];
    public TimeSpan StartTime { get; private set; }
    public string? SkipReason { get; private set; }

    /// <summary>Call first in every test: skips locally (fails in CI) when this machine cannot host VMs.</summary>
    public void Require()
    {
        if (SkipReason != null)
            Prerequisites.Missing(SkipReason);
    }

    public async ValueTask InitializeAsync()
    {
        SkipReason = Prerequisites.VmHostProblem();
        if (SkipReason != null)
            return;
        var clock = Stopwatch.StartNew();
        _switch = await VmSwitch.CreateAsync();
        Vms = [.. Enumerable.Range(1, Size).Select(n => TestVm.OnSwitch(_switch, n, $"mlstack-node{n}"))];
        await Task.WhenAll(Vms.Select(vm => vm.InitializeAsync().AsTask()));
        StartTime = clock.Elapsed;
    }

    /// <summary>A known_hosts file that trusts every VM's host key, as an operator's would.</summary>
    public string KnownHostsFile(string directory)
    {
        var path = Path.Combine(directory, "known_hosts");
        File.WriteAllLines(path, Vms.Select(vm => vm.KnownHostsLine));
        return path;
    }

    /// <summary>An inventory of the three VMs, one roles list each (e.g. "manager, data"), as an operator writes it.</summary>
    public string WriteInventory(string directory, params string[] roles)
    {
        var path = Path.Combine(directory, "cluster.yaml");
        var hosts = Vms.Zip(roles, (vm, r) => $"  - {{ host: root@{vm.Address}, roles: [{r}], ssh_key: {vm.ClientKeyPath} }}");
        File.WriteAllText(path, $"known_hosts: {KnownHostsFile(directory)}\nhosts:\n{string.Join('\n', hosts)}\n");
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        // Side by side: each VM leaves the swarm by force and stops its own daemons, by pid.
        await Task.WhenAll(Vms.Select(vm => vm.DisposeAsync().AsTask()));
        if (_switch != null)
            await _switch.DeleteAsync();
    }
}
