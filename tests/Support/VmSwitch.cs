namespace Mlstack.Tests.Support;

/// <summary>The "switch" fixture VMs of a cluster meet on: a bridge in a network namespace of its own (design.md:
/// with the bridge in the host's namespace, the host dockerd's FORWARD policy drops the overlay's traffic between
/// VMs), and one veth from the host into it, so the tests reach every VM at 10.77.X.(1+n) from 10.77.X.1.</summary>
internal sealed class VmSwitch
{
    private VmSwitch(int subnet)
    {
        Subnet = subnet;
    }

    public int Subnet { get; }
    public string Name => $"mlssw{Subnet}";
    public string NamespacePath => VmNetwork.PathOf(Name);
    private string HostLink => $"mlsh{Subnet}";
    private string HostPort => $"mlsp{Subnet}x0";

    public static async Task<VmSwitch> CreateAsync()
    {
        var network = new VmSwitch(await VmNetwork.FreeSubnetAsync(s => $"mlssw{s}", s => $"mlsh{s}"));
        await VmNetwork.RunAsync("nsenter", $"--net={network.NamespacePath}", "sh", "-c", "ip link add br0 type bridge && ip link set br0 up && ip link set lo up");
        await VmNetwork.RunAsync("ip", "link", "add", network.HostLink, "type", "veth", "peer", "name", network.HostPort);
        await VmNetwork.RunAsync("ip", "link", "set", network.HostPort, "netns", network.Name);
        await VmNetwork.RunAsync("nsenter", $"--net={network.NamespacePath}", "sh", "-c", $"ip link set {network.HostPort} master br0 && ip link set {network.HostPort} up");
        await VmNetwork.RunAsync("ip", "addr", "add", $"10.77.{network.Subnet}.1/24", "dev", network.HostLink);
        await VmNetwork.RunAsync("ip", "link", "set", network.HostLink, "up");
        return network;
    }

    /// <summary>After the VMs' namespaces are gone: the host's link, the bridge and the namespace, by name.</summary>
    public async Task DeleteAsync()
    {
        await ChildProcess.RunAsync("ip", ["link", "delete", HostLink]);
        await ChildProcess.RunAsync("nsenter", [$"--net={NamespacePath}", "ip", "link", "delete", "br0"]);
        await ChildProcess.RunAsync("ip", ["netns", "delete", Name]);
    }
}
