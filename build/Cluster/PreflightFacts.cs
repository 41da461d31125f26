using System.Globalization;
using System.Text.Json;

namespace Mlstack.Build.Cluster;

/// <summary>A host's engine version (<c>docker version</c>'s server side): the release and its API version.</summary>
public sealed record EngineVersion(string Version, string ApiVersion)
{
    public const string Command = "docker version --format '{{.Server.Version}} {{.Server.APIVersion}}'";

    /// <summary>The release's major number (20 of 20.10.24), or null when it does not start with one.</summary>
    public int? Major => int.TryParse(Version.Split('.')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : null;

    public static EngineVersion? Parse(string output) =>
        output.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var version, var api] ? new(version, api) : null;

    public override string ToString() => $"{Version} (API {ApiVersion})";
}

/// <summary>A node as a manager lists it (<c>docker node ls</c>): whether the swarm sees it ready, whether it takes
/// tasks (active; drained or paused it takes none), and whether the other managers reach it.</summary>
public sealed record SwarmNodeState(string Id, string Hostname, string Status, string Availability, string ManagerStatus)
{
    public const string ListCommand = "docker node ls --format '{{json .}}'";

    public bool IsReady => Status.Equals("ready", StringComparison.OrdinalIgnoreCase);
    public bool IsActive => Availability.Equals("active", StringComparison.OrdinalIgnoreCase);
    public bool IsManager => ManagerStatus.Length > 0;
    public bool IsLeader => ManagerStatus.Equals("leader", StringComparison.OrdinalIgnoreCase);
    public bool IsUnreachableManager => ManagerStatus.Equals("unreachable", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads <see cref="ListCommand"/>'s output: one JSON object a line.</summary>
    public static IReadOnlyList<SwarmNodeState> ParseList(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith('{')).Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            var e = json.RootElement;
            return new SwarmNodeState(Text(e, "ID"), Text(e, "Hostname"), Text(e, "Status"), Text(e, "Availability"), Text(e, "ManagerStatus"));
        })];

    private static string Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
}

/// <summary>What the preflight learned of one host, each part null (or <see cref="Ipvs.Unknown"/>) when it could not
/// be asked. Facts only: <see cref="ClusterPreflightJudge"/> decides what they mean.</summary>
public sealed record NodeFacts(ClusterHost Host)
{
    /// <summary>Why the SSH connection (host key first) failed, one line; null when connected.</summary>
    public string? Unreachable { get; init; }

    /// <summary>A check that could not finish once connected (a command stopped, the connection lost), one line.</summary>
    public string? CheckFailed { get; init; }

    public EngineVersion? Engine { get; init; }

    /// <summary>What <c>docker version</c> said when the engine did not answer.</summary>
    public string? EngineError { get; init; }

    public SwarmMembership Membership { get; init; } = SwarmMembership.NoEngine;

    /// <summary>The engine's data root (images, volumes) and the bytes free there.</summary>
    public string? DataRoot { get; init; }
    public long? DiskFree { get; init; }

    /// <summary>The TCP ports of other hosts this host tried, and those that answered.</summary>
    public IReadOnlyList<TcpProbe> Probed { get; init; } = [];
    public IReadOnlySet<TcpProbe> Open { get; init; } = new HashSet<TcpProbe>();

    public Ipvs Ipvs { get; init; }
    public string Kernel { get; init; } = "";

    public bool Connected => Unreachable == null;
}
