using System.Diagnostics;
using Mlstack.Build.Doctor;
using Mlstack.Build.Remote;

namespace Mlstack.Tests.Support;

/// <summary>A "production VM" for tests, as design.md describes it: its own network namespace, its own dockerd and
/// its own sshd (fresh host key, key-only root login), and a private /srv, /root and /etc/docker (a mount namespace that dockerd
/// shares, so compose bind mounts resolve as on a VM). Nothing of it is reachable but over SSH at its address.
/// Use as a class fixture: one VM serves a whole test class.</summary>
public sealed class TestVm : IAsyncLifetime
{
    private Func<Task<VmNetwork>> _createNetwork = VmNetwork.CreateAsync;
    private VmNetwork? _network;
    private DaemonProcess? _sshd;
    private DaemonProcess? _dockerd;
    private string _directory = "";

    public string Address => _network!.VmAddress;
    public int Port => 22;
    public SshTarget Target => new("root", Address, Port);
    /// <summary>This machine's end of the VM's link: the VM's containers reach it (the VM engine masquerades them as
    /// <see cref="Address"/>), nothing outside this machine does. Where a test listens for what the VM sends (a webhook).</summary>
    public string HostAddress => _network!.HostAddress;
    public string ClientKeyPath => Path.Combine(_directory, "client_key");
    public string HostKeyFingerprint { get; private set; } = "";
    public string KnownHostsLine { get; private set; } = "";
    public string HostKeyBlob { get; private set; } = "";
    /// <summary>The VM engine's socket, for assertions from the host side.</summary>
    public string EngineSocket => $"/run/{_network!.Name}/docker.sock";
    /// <summary>What the VM sees as /srv and /root, seen from the host.</summary>
    public string PrivateSrv => Path.Combine(_directory, "srv");
    public string PrivateRoot => Path.Combine(_directory, "root");
    /// <summary>The VM's /etc/docker (daemon.json), seen from the host: its own, so Bootstrap never edits the host's.</summary>
    public string PrivateEtcDocker => Path.Combine(_directory, "etc-docker");
    public TimeSpan StartTime { get; private set; }
    public string? SkipReason { get; private set; }

    /// <summary>The VM's own hostname (its own UTS namespace), or null: the machine's, as a lone VM needs no other.
    /// Swarm names nodes by it, so the VMs of a cluster need one each.</summary>
    public string? Hostname { get; private set; }

    /// <summary>A VM of a <see cref="TestCluster"/>: on the cluster's switch, with its own hostname.</summary>
    internal static TestVm OnSwitch(VmSwitch network, int number, string hostname) =>
        new() { _createNetwork = () => VmNetwork.OnSwitchAsync(network, number), Hostname = hostname };

    /// <summary>Call first in every test: skips locally (fails in CI) when this machine cannot host a VM.</summary>
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
        _directory = Directory.CreateTempSubdirectory("mlstack-vm-").FullName;
        foreach (var folder in new[] { "srv", "root/.ssh", "sshd", "data", "etc-docker" })
            Directory.CreateDirectory(Path.Combine(_directory, folder));
        await KeygenAsync(Path.Combine(_directory, "sshd", "host_key"));
        await KeygenAsync(ClientKeyPath);
        File.Copy(ClientKeyPath + ".pub", Path.Combine(PrivateRoot, ".ssh", "authorized_keys"));
        var hostKey = File.ReadAllText(Path.Combine(_directory, "sshd", "host_key.pub")).Split(' ');
        HostKeyBlob = hostKey[1];
        HostKeyFingerprint = HostKeyTrust.Fingerprint(Convert.FromBase64String(hostKey[1]));

        _network = await _createNetwork();
        KnownHostsLine = $"{Address} {hostKey[0]} {hostKey[1]}";
        Directory.CreateDirectory($"/run/{_network.Name}");
        Directory.CreateDirectory("/run/sshd"); // sshd's privilege separation folder; shared and harmless
        File.WriteAllText(Path.Combine(_directory, "sshd", "config"), VmSshdConfig.Text(_directory, Address, EngineSocket));
        var uts = Hostname == null ? [] : new[] { "--uts" };
        var hostname = Hostname == null ? "" : $"hostname {Hostname} && ";
        _sshd = DaemonProcess.Start(Path.Combine(_directory, "sshd.log"), ["nsenter", $"--net={_network.NamespacePath}",
            "unshare", "--mount", .. uts, "--propagation", "private", "sh", "-c",
            $"{hostname}mkdir -p /etc/docker && mount --bind {PrivateSrv} /srv && mount --bind {PrivateRoot} /root && mount --bind {PrivateEtcDocker} /etc/docker"
            + $" && exec /usr/sbin/sshd -D -e -f {_directory}/sshd/config"]);
        await WaitAsync("sshd", _sshd, () => File.Exists(Path.Combine(_directory, "sshd", "sshd.pid")));

        // dockerd joins sshd's mount namespace: paths on the VM (/srv/…) mean the same to its engine as to its shell.
        // And its UTS namespace, when it has one: the engine (and Swarm) take the VM's hostname from it.
        var sameHostname = Hostname == null ? [] : new[] { $"--uts=/proc/{_sshd.Pid}/ns/uts" };
        _dockerd = DaemonProcess.Start(Path.Combine(_directory, "dockerd.log"), ["nsenter", $"--net={_network.NamespacePath}",
            $"--mount=/proc/{_sshd.Pid}/ns/mnt", .. sameHostname, "dockerd", "--data-root", Path.Combine(_directory, "data"),
            "--exec-root", $"/run/{_network.Name}/exec", "--pidfile", $"/run/{_network.Name}/docker.pid", "-H", $"unix://{EngineSocket}"]);
        await WaitAsync("dockerd", _dockerd, () => File.Exists(EngineSocket)
            && EngineProbe.TryVersionAsync(new Uri($"unix://{EngineSocket}"), CancellationToken.None).GetAwaiter().GetResult() != null);
        StartTime = clock.Elapsed;
    }

    /// <summary>Cuts every SSH connection to the VM at once, as a network failure would: sshd's per-connection
    /// processes (children of the listener, found by its pid) are killed; the listener stays for new connections.</summary>
    public async Task DropSshConnectionsAsync()
    {
        var listener = File.ReadAllText(Path.Combine(_directory, "sshd", "sshd.pid")).Trim();
        await ChildProcess.RunAsync("pkill", ["-KILL", "-P", listener]);
    }

    /// <summary>The VM lost, as the other machines see a stopped one: its link goes down, so nothing reaches it and it
    /// reaches nothing; its daemons live on for <see cref="RestoreNetworkAsync"/> and for dispose.</summary>
    public Task CutNetworkAsync() => InNetworkAsync("ip", "link", "set", _network!.VmLink, "down");

    /// <summary>The link up again, with its address and route as they were.</summary>
    public Task RestoreNetworkAsync() => InNetworkAsync("sh", "-c", $"ip link set {_network!.VmLink} up && (ip addr show dev {_network.VmLink} | grep -q {Address}/ || ip addr add {Address}/24 dev {_network.VmLink})");

    /// <summary>Runs a command in the VM's network namespace only (its firewall, say), as root on the host: for a fault
    /// a test makes and undoes. Throws when it fails.</summary>
    public async Task InNetworkAsync(params string[] command)
    {
        var result = await ChildProcess.RunAsync("nsenter", [$"--net={_network!.NamespacePath}", .. command]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{string.Join(' ', command)} in {Hostname ?? Address}'s network failed: {result.Output}");
    }

    private static async Task KeygenAsync(string path)
    {
        var result = await ChildProcess.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "mlstack-test-vm", "-f", path]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"ssh-keygen failed: {result.Output}");
    }

    private static async Task WaitAsync(string what, DaemonProcess daemon, Func<bool> ready)
    {
        var deadline = Stopwatch.StartNew();
        while (!ready())
        {
            if (daemon.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
                throw new InvalidOperationException($"The test VM's {what} did not start; its log:\n{daemon.LogTail()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Before a cluster VM's dockerd stops (design.md): out of the swarm, so it stops at once and leaves no
    /// overlay namespaces behind under its exec-root. Not in a swarm (or already gone) is fine.</summary>
    private async Task LeaveSwarmAsync()
    {
        using var engine = Mlstack.Build.Engine.EngineClients.Connect(new Uri($"unix://{EngineSocket}"), TimeSpan.FromSeconds(30));
        try
        {
            await engine.Swarm.LeaveSwarmAsync(new Docker.DotNet.Models.SwarmLeaveParameters { Force = true });
        }
        catch (Exception e) when (e is Docker.DotNet.DockerApiException or HttpRequestException or IOException or TimeoutException or OperationCanceledException)
        {
            // Nothing to leave, or the engine is going anyway: the stop below handles both.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_sshd != null)
            await _sshd.StopAsync(TimeSpan.FromSeconds(10));
        if (_dockerd is { HasExited: false } && Hostname != null)
            await LeaveSwarmAsync();
        if (_dockerd != null)
            await _dockerd.StopAsync(TimeSpan.FromSeconds(30));
        if (_network != null)
        {
            // Whatever is left in the namespace (an sshd session, a shim) descends from the daemons we started.
            foreach (var pid in await _network.ProcessesAsync())
                await ChildProcess.RunAsync("kill", ["-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await VmMounts.UnmountUnderAsync(_directory, $"/run/{_network.Name}");
            await _network.DeleteAsync();
            await ChildProcess.RunAsync("rm", ["-rf", $"/run/{_network.Name}"]);
        }

        if (_directory.Length > 0)
            await ChildProcess.RunAsync("rm", ["-rf", _directory]);
        _sshd?.Dispose();
        _dockerd?.Dispose();
    }
}
