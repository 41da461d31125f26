using Mlstack.Build.Core;

namespace Mlstack.Build.Cluster;

/// <summary>One failed check: one line that names the host and what to do. <see cref="Degraded"/> marks a node the
/// swarm has but cannot use (drained, paused, down): a deploy may go on without it when the operator says so, unlike
/// a closed port or a full disk.</summary>
public sealed record PreflightFailure(ClusterHost? Host, string Line, bool Degraded = false)
{
    public override string ToString() => Line;
}

/// <summary>One host's row of the preflight's table.</summary>
public sealed record PreflightRow(ClusterHost Host, string Hostname, string Roles, string Engine, string Swarm, string DiskFree, string Ports, string Ipvs);

/// <summary>What the preflight found on every node: the table, each failed check, and what the stack will be
/// rendered with (<see cref="HasIpvs"/> is <see cref="SwarmStackRequest.HasIpvs"/>).</summary>
public sealed record ClusterPreflightReport(
    IReadOnlyList<PreflightRow> Rows,
    IReadOnlyList<PreflightFailure> Failures,
    IReadOnlyList<string> Notes,
    bool HasIpvs,
    string Mode)
{
    /// <summary>The hosts whose nodes are drained, paused or down: named so the caller decides (a later
    /// <c>--allow-degraded</c> deploys without them).</summary>
    public IReadOnlyList<ClusterHost> Degraded => [.. Failures.Where(f => f.Degraded && f.Host != null).Select(f => f.Host!).Distinct()];

    /// <summary>The failures that stop a deploy: every one, or with <paramref name="allowDegraded"/> all but the degraded nodes'.</summary>
    public IReadOnlyList<PreflightFailure> Blocking(bool allowDegraded = false) => [.. Failures.Where(f => !(allowDegraded && f.Degraded))];

    public bool Passed(bool allowDegraded = false) => Blocking(allowDegraded).Count == 0;

    /// <summary>The table, the notes, each failure in one line, and the verdict.</summary>
    public void Print(ClusterInventory inventory, BuildLog log)
    {
        foreach (var line in Table())
            log.Report(line);
        foreach (var note in Notes)
            log.Info(note);
        foreach (var failure in Failures)
            log.Error(failure.Line);
        if (Failures.Count == 0)
            log.Success($"Preflight: the {Rows.Count} hosts of {inventory.File} passed every check; nothing was changed.");
    }

    /// <summary>The table's lines: a header, then one row per host, each column as wide as its widest cell (an
    /// engine's release may be 20.10.24+dfsg1).</summary>
    public IEnumerable<string> Table()
    {
        string[][] cells =
        [
            ["node", "hostname", "roles", "engine", "swarm", "disk free", "ports", "IPVS"],
            .. Rows.Select(r => new[] { r.Host.Name, r.Hostname, r.Roles, r.Engine, r.Swarm, r.DiskFree, r.Ports, r.Ipvs }),
        ];
        var widths = Enumerable.Range(0, cells[0].Length).Select(c => cells.Max(row => row[c].Length) + 2).ToArray();
        return cells.Select(row => string.Concat(row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))));
    }
}
