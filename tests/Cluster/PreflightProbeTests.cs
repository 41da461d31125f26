using Mlstack.Build.Cluster;
using Mlstack.Tests.Support;
using System.Net;
using System.Net.Sockets;

namespace Mlstack.Tests.Cluster;

/// <summary>The preflight's shell probes, run by this machine's own bash as a node's would run them: a listening port
/// answers, one nobody listens on does not, both in one command; the IPVS probe names this kernel.</summary>
public sealed class PreflightProbeTests
{
    [Fact]
    public async Task A_listening_port_answers_and_a_free_one_does_not_in_one_command()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var open = new TcpProbe("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port);
        int freePort;
        using (var free = new TcpListener(IPAddress.Loopback, 0))
        {
            free.Start();
            freePort = ((IPEndPoint)free.LocalEndpoint).Port;
        }

        var closed = new TcpProbe("127.0.0.1", freePort);
        var result = await ChildProcess.RunAsync("sh", ["-c", TcpProbe.Command([open, closed])]);

        Assert.Equal([open], TcpProbe.Open(result.Output));
        Assert.Contains($"127.0.0.1 {freePort} closed", result.Output);
    }

    [Fact]
    public async Task The_ipvs_probe_names_this_kernel()
    {
        var result = await ChildProcess.RunAsync("sh", ["-c", IpvsProbe.Command]);
        var release = (await ChildProcess.RunAsync("uname", ["-r"])).Output.Trim();

        var (state, kernel) = IpvsProbe.Parse(result.Output);
        Assert.NotEqual(Ipvs.Unknown, state);
        Assert.Equal(release, kernel);
        Assert.Equal(File.Exists("/proc/net/ip_vs") || Directory.Exists("/sys/module/ip_vs"), state == Ipvs.Loaded);
    }
}
