using System.Globalization;

namespace Mlstack.Tests.Support;

/// <summary>A VM's network namespace. On its own (<see cref="CreateAsync"/>): a veth pair to the host, the host is
/// 10.77.X.1, the VM 10.77.X.2. On a <see cref="VmSwitch"/>: a veth into the switch's bridge, the VM 10.77.X.(1+n).
/// X is picked between 100 and 199 where neither the namespace, the link nor the subnet is in use, so fixtures in
/// parallel (and other people's, below 100) never collide.</summary>
internal sealed class VmNetwork
{
    private static int _next = Environment.ProcessId % 100;
    private readonly Func<Task> _delete;

    private VmNetwork(string name, string vmLink, string vmAddress, string hostAddress, Func<Task> delete)
    {
        Name = name;
        VmLink = vmLink;
        VmAddress = vmAddress;
        HostAddress = hostAddress;
        _delete = delete;
    }

    public string Name { get; }

    /// <summary>The VM's end of its link (inside its namespace).</summary>
    public string VmLink { get; }
    public string VmAddress { get; }

    /// <summary>This machine's end of the link (10.77.X.1), directly or through the switch.</summary>
    public string HostAddress { get; }
    public string NamespacePath => PathOf(Name);

    public static string PathOf(string name) => $"/run/netns/{name}";

    public static async Task<VmNetwork> CreateAsync()
    {
        var subnet = await FreeSubnetAsync(s => $"mlsvm{s}", s => $"mlsh{s}");
        var (name, hostLink, vmLink) = ($"mlsvm{subnet}", $"mlsh{subnet}", $"mlsv{subnet}");
        await RunAsync("ip", "link", "add", hostLink, "type", "veth", "peer", "name", vmLink);
        await RunAsync("ip", "link", "set", vmLink, "netns", name);
        await RunAsync("ip", "addr", "add", $"10.77.{subnet}.1/24", "dev", hostLink);
        await RunAsync("ip", "link", "set", hostLink, "up");
        var network = new VmNetwork(name, vmLink, $"10.77.{subnet}.2", $"10.77.{subnet}.1", async () =>
        {
            // Here deleting the namespace leaves the host's end of the pair behind: removed by name.
            await ChildProcess.RunAsync("ip", ["netns", "delete", name]);
            await ChildProcess.RunAsync("ip", ["link", "delete", hostLink]);
        });
        await network.UpAsync(vmLink);
        return network;
    }

    /// <summary>A VM on <paramref name="network"/>'s bridge, the <paramref name="number"/>th (1 is 10.77.X.2).</summary>
    public static async Task<VmNetwork> OnSwitchAsync(VmSwitch network, int number)
    {
        var (name, port, vmLink) = ($"{network.Name}n{number}", $"mlsp{network.Subnet}x{number}", $"mlsv{network.Subnet}x{number}");
        await RunAsync("ip", "netns", "add", name);
        await RunAsync("ip", "link", "add", port, "type", "veth", "peer", "name", vmLink);
        await RunAsync("ip", "link", "set", vmLink, "netns", name);
        await RunAsync("ip", "link", "set", port, "netns", network.Name);
        await RunAsync("nsenter", $"--net={network.NamespacePath}", "sh", "-c", $"ip link set {port} master br0 && ip link set {port} up");
        var vm = new VmNetwork(name, vmLink, $"10.77.{network.Subnet}.{1 + number}", $"10.77.{network.Subnet}.1", async () =>
        {
            await ChildProcess.RunAsync("nsenter", [$"--net={PathOf(name)}", "ip", "link", "delete", vmLink]);
            await ChildProcess.RunAsync("ip", ["netns", "delete", name]);
        });
        await vm.UpAsync(vmLink);
        return vm;
    }

    /// <summary>A subnet X whose namespace <paramref name="name"/>(X) this call created (so it is ours).</summary>
    internal static async Task<int> FreeSubnetAsync(Func<int, string> name, Func<int, string> hostLink)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var subnet = 100 + (Interlocked.Increment(ref _next) % 100);
            var addresses = (await ChildProcess.RunAsync("ip", ["-o", "addr"])).Output;
            if (File.Exists(PathOf(name(subnet))) || addresses.Contains($"10.77.{subnet}.", StringComparison.Ordinal)
                || addresses.Contains(hostLink(subnet), StringComparison.Ordinal))
                continue;
            // "ip netns add" fails when another process took the name between our check and now: try the next one.
            if ((await ChildProcess.RunAsync("ip", ["netns", "add", name(subnet)])).ExitCode == 0)
                return subnet;
        }

        throw new InvalidOperationException("No free 10.77.X subnet between 100 and 199 for a test VM.");
    }

    private async Task UpAsync(string vmLink) =>
        // "ip netns exec" needs a devices cgroup this sandbox lacks; nsenter --net does not.
        await RunAsync("nsenter", $"--net={NamespacePath}", "sh", "-c",
            $"ip addr add {VmAddress}/24 dev {vmLink} && ip link set {vmLink} up && ip link set lo up");

    /// <summary>Removes the namespace and its links.</summary>
    public Task DeleteAsync() => _delete();

    /// <summary>The processes living in this namespace (sshd sessions, containerd shims, containers): all started
    /// by the fixture's daemons, found by the namespace's inode rather than by name.</summary>
    public async Task<IReadOnlyList<int>> ProcessesAsync()
    {
        var inode = (await ChildProcess.RunAsync("stat", ["-L", "-c", "%i", NamespacePath])).Output.Trim();
        var ours = $"net:[{inode}]";
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
                continue;
            try
            {
                if (new FileInfo(Path.Combine(dir, "ns", "net")).LinkTarget == ours)
                    pids.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process exited while we looked.
            }
        }

        return pids;
    }

    internal static async Task RunAsync(string file, params string[] args)
    {
        var result = await ChildProcess.RunAsync(file, args);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {result.Output.Trim()}");
    }
}
