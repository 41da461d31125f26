using System.Globalization;
using Mlstack.Build.Engine;
using Mlstack.Build.Gates;
using Mlstack.Build.Core;

namespace Mlstack.Build.Stack;

/// <summary>The Status table: service, state, health, ports, image tag, uptime.</summary>
public static class StackStatus
{
    public static async Task PrintAsync(StackEngine engine, BuildLog log, CancellationToken ct)
    {
        var containers = await engine.ListAsync(ct).ConfigureAwait(false);
        if (containers.Length == 0)
        {
            log.Report($"No containers in project {engine.Project}: the stack is down. Start it with ./build.sh Up.");
            return;
        }

        var rows = containers
            .Select(c => new[]
            {
                ComposeLabels.ServiceOf(c) ?? c.Names.FirstOrDefault() ?? c.ID[..12],
                c.State,
                Health(c.Status),
                string.Join(", ", c.Ports.Where(p => p.PublicPort != null).Select(p => $"{p.IP}:{p.PublicPort}->{p.PrivatePort}").Distinct()),
                c.Image.Contains(':', StringComparison.Ordinal) ? c.Image[(c.Image.LastIndexOf(':') + 1)..] : "latest",
                c.State == "running" ? Uptime(c.Status) : c.Status,
            })
            .OrderBy(r => r[0], StringComparer.Ordinal)
            .ToList();
        string[] header = ["service", "state", "health", "ports", "image tag", "uptime"];
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length)) + 2).ToArray();
        log.Report(string.Concat(header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var row in rows)
            log.Report(string.Concat(row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
    }

    /// <summary>"Up 5 minutes (healthy)" → healthy; no healthcheck → "-".</summary>
    private static string Health(string status)
    {
        var open = status.IndexOf('(', StringComparison.Ordinal);
        return open < 0 ? "-" : status[(open + 1)..status.IndexOf(')', open)].Replace("health: ", string.Empty, StringComparison.Ordinal);
    }

    private static string Uptime(string status) =>
        status.StartsWith("Up ", StringComparison.Ordinal) ? status[3..].Split(" (")[0] : status.ToString(CultureInfo.InvariantCulture);
}
