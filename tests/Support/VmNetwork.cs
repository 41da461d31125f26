using System.Globalization;

namespace Mlstack.Tests.Support;

/// <summary>A network namespace with a veth pair to the host: the host is 10.77.X.1, the VM 10.77.X.2. X is picked
/// between 100 and 199 where neither the namespace, the link nor the subnet is in use, so fixtures in parallel
/// (and other people's, below 100) never collide.</summary>
internal sealed class VmNetwork
{
    private static int _next = Environment.ProcessId % 100;

    private VmNetwork(int subnet)
    {
        Subnet = subnet;
    }

    public int Subnet { get; }
    public string Name => $"mlsvm{Subnet.ToString(CultureInfo.InvariantCulture)}";
    public string HostLink => $"mlsh{Subnet.ToString(CultureInfo.InvariantCulture)}";
    public string VmLink => $"mlsv{Subnet.ToString(CultureInfo.InvariantCulture)}";
    public string HostAddress => $"10.77.{Subnet.ToString(CultureInfo.InvariantCulture)}.1";
    public string VmAddress => $"10.77.{Subnet.ToString(CultureInfo.InvariantCulture)}.2";
    public string NamespacePath => $"/run/netns/{Name}";

    public static async Task<VmNetwork> CreateAsync()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var network = new VmNetwork(100 + (Interlocked.Increment(ref _next) % 100));
            var addresses = (await ChildProcess.RunAsync("ip", ["-o", "addr"])).Output;
            if (File.Exists(network.NamespacePath) || addresses.Contains($"10.77.{network.Subnet}.", StringComparison.Ordinal)
                || addresses.Contains(network.HostLink, StringComparison.Ordinal))
                continue;
            // "ip netns add" fails when another process took the name between our check and now: try the next one.
            if ((await ChildProcess.RunAsync("ip", ["netns", "add", network.Name])).ExitCode != 0)
                continue;
            await network.ConfigureAsync();
            return network;
        }

        throw new InvalidOperationException("No free 10.77.X subnet between 100 and 199 for a test VM.");
    }

    private async Task ConfigureAsync()
    {
        await RunAsync("ip", "link", "add", HostLink, "type", "veth", "peer", "name", VmLink);
        await RunAsync("ip", "link", "set", VmLink, "netns", Name);
        await RunAsync("ip", "addr", "add", $"{HostAddress}/24", "dev", HostLink);
        await RunAsync("ip", "link", "set", HostLink, "up");
        // "ip netns exec" needs a devices cgroup this sandbox lacks; nsenter --net does not.
        await RunAsync("nsenter", $"--net={NamespacePath}", "sh", "-c",
            $"ip addr add {VmAddress}/24 dev {VmLink} && ip link set {VmLink} up && ip link set lo up");
    }

    /// <summary>Removes the namespace and the host's end of the pair (here deleting the namespace leaves it behind).</summary>
    public async Task DeleteAsync()
    {
        await ChildProcess.RunAsync("ip", ["netns", "delete", Name]);
        await ChildProcess.RunAsync("ip", ["link", "delete", HostLink]);
    }

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

    private static async Task RunAsync(string file, params string[] args)
    {
        var result = await ChildProcess.RunAsync(file, args);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {result.Output.Trim()}");
    }
}
