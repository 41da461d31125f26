using Mlstack.Build.Core;
using Mlstack.Build.Remote;

namespace Mlstack.Build.Cluster;

/// <summary>Before anything changes on a cluster: every host connected as Bootstrap connects (host key first), and
/// asked for its engine's version, its swarm membership, the free disk in its engine's data root, whether its kernel
/// has IPVS, and whether the other hosts' swarm ports answer it; then a manager for the nodes' states. Reads only.
/// A host that cannot be reached or asked is a fact like any other, so every host is reported, not just the first
/// failure; <see cref="ClusterPreflightJudge"/> decides.</summary>
public sealed class ClusterPreflight(ClusterInventory inventory, Func<ClusterHost, CancellationToken, Task<SshSession>> connect, BuildLog log, long minimumFree = ClusterPreflightJudge.MinimumFreeDisk)
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30);

    public async Task<ClusterPreflightReport> RunAsync(CancellationToken ct)
    {
        var sessions = new SshSession?[inventory.Hosts.Count];
        try
        {
            var facts = await NodeFanOut.RunAsync(inventory.Hosts, ClusterBootstrap.ParallelHosts, async (host, index) =>
            {
                try
                {
                    sessions[index] = await connect(host, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is BuildFailure or BuildInputException && !ct.IsCancellationRequested)
                {
                    return new NodeFacts(host) { Unreachable = OneLine(e.Message) };
                }

                return await AskAsync(host, sessions[index]!, ct).ConfigureAwait(false);
            }, log.Warn, ct).ConfigureAwait(false);
            var nodes = await NodesAsync(facts, sessions, ct).ConfigureAwait(false);
            return ClusterPreflightJudge.Judge(inventory, facts, nodes, minimumFree);
        }
        finally
        {
            foreach (var session in sessions.OfType<SshSession>())
                await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One host's facts; a command that cannot finish (a lost connection, a time limit) ends its checks
    /// there, as a fact.</summary>
    private async Task<NodeFacts> AskAsync(ClusterHost host, SshSession vm, CancellationToken ct)
    {
        var facts = new NodeFacts(host);
        try
        {
            var version = await vm.RunAsync(EngineVersion.Command, Quick, ct).ConfigureAwait(false);
            facts = facts with
            {
                Engine = version.ExitCode == 0 ? EngineVersion.Parse(version.Output) : null,
                EngineError = version.ExitCode == 0 ? null : LastLine(version.Error.Length > 0 ? version.Error : version.Output),
            };
            var (ipvs, kernel) = IpvsProbe.Parse((await vm.RunAsync(IpvsProbe.Command, Quick, ct).ConfigureAwait(false)).Output);
            var probes = ClusterPreflightJudge.ProbesFrom(inventory, host);
            var open = TcpProbe.Open((await vm.RunAsync(TcpProbe.Command(probes), Quick, ct).ConfigureAwait(false)).Output);
            facts = facts with { Ipvs = ipvs, Kernel = kernel, Probed = probes, Open = open };
            if (facts.Engine == null)
                return facts;
            facts = facts with { Membership = SwarmMembership.Parse((await vm.RunAsync(SwarmMembership.Command, Quick, ct).ConfigureAwait(false)).Output) };
            var root = (await vm.RunAsync("docker info --format '{{.DockerRootDir}}'", Quick, ct).ConfigureAwait(false)).EnsureSuccess().Output.Trim();
            return facts with { DataRoot = root, DiskFree = await RemoteDisk.AvailableAsync(vm, root, ct).ConfigureAwait(false) };
        }
        catch (Exception e) when (IsLost(e) && !ct.IsCancellationRequested)
        {
            return facts with { CheckFailed = OneLine(e.Message) };
        }
    }

    /// <summary>The nodes as the first manager that answers lists them (only a manager may): null when none does.</summary>
    private async Task<IReadOnlyList<SwarmNodeState>?> NodesAsync(IReadOnlyList<NodeFacts> facts, SshSession?[] sessions, CancellationToken ct)
    {
        foreach (var (f, index) in facts.Select((f, i) => (f, i)).Where(x => x.f.Membership is { IsActive: true, IsManager: true }).OrderBy(x => x.f.Host != inventory.FirstManager))
        {
            try
            {
                var list = await sessions[index]!.RunAsync(SwarmNodeState.ListCommand, Quick, ct).ConfigureAwait(false);
                if (list.ExitCode == 0)
                    return SwarmNodeState.ParseList(list.Output);
                log.Warn($"Preflight: {f.Host.Name} did not list the swarm's nodes ({LastLine(list.Error)}); asking another manager.");
            }
            catch (Exception e) when (IsLost(e) && !ct.IsCancellationRequested)
            {
                log.Warn($"Preflight: {f.Host.Name} did not list the swarm's nodes ({e.Message}); asking another manager.");
            }
        }

        return null;
    }

    /// <summary>A command that could not finish: stopped at its time limit, or its connection gone (SSH.NET's
    /// InvalidOperationException is a channel on a connection that is going away).</summary>
    private static bool IsLost(Exception e) =>
        e is BuildFailure or Renci.SshNet.Common.SshException or System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException;

    /// <summary>Each failure is one line of the report, whatever the exception's message held.</summary>
    private static string OneLine(string text) => string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
}
