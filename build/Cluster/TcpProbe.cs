using System.Globalization;

namespace Mlstack.Build.Cluster;

/// <summary>A TCP port of another host, tried from a host of the cluster with a bare connect (bash's /dev/tcp: no
/// tool to install). A closed port otherwise shows up late and says little: a swarm join that waits for its own
/// timeout, gossip that never converges. UDP cannot be probed this way: a connect sends nothing, and a datagram
/// that is dropped looks the same as one that arrived.</summary>
public sealed record TcpProbe(string Address, int Port)
{
    /// <summary>How long a connect may take: a firewall that drops (rather than rejects) answers with silence.</summary>
    public const int TimeoutSeconds = 3;

    /// <summary>A command that tries every probe at once (each at most <see cref="TimeoutSeconds"/>, so a host with
    /// several dropped ports still answers in seconds) and prints one line per probe: <c>ADDRESS PORT open|closed</c>.</summary>
    public static string Command(IEnumerable<TcpProbe> probes)
    {
        var each = probes.Select(p => (p.Address, Port: p.Port.ToString(CultureInfo.InvariantCulture)))
            .Select(p => $"(timeout {TimeoutSeconds} bash -c 'exec 3<>/dev/tcp/{p.Address}/{p.Port}' >/dev/null 2>&1"
                + $" && echo '{p.Address} {p.Port} open' || echo '{p.Address} {p.Port} closed') &").ToList();
        return each.Count == 0 ? "true" : string.Join(' ', each) + " wait";
    }

    /// <summary>Reads <see cref="Command"/>'s output: the probes that answered. A probe missing from the output (the
    /// command stopped early) counts as not answered.</summary>
    public static IReadOnlySet<TcpProbe> Open(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' '))
            .Where(f => f.Length == 3 && f[2] == "open" && int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(f => new TcpProbe(f[0], int.Parse(f[1], CultureInfo.InvariantCulture)))
            .ToHashSet();
}
