namespace Mlstack.Build.Stack;

public sealed record BuildSpec(string Context, string? Dockerfile, string? Target, IReadOnlyDictionary<string, string> Args);

public sealed record HealthcheckSpec(TimeSpan Interval, TimeSpan Timeout, int Retries, TimeSpan StartPeriod)
{
    /// <summary>How long a healthy start may take at most: the grace period, then every retry failing.</summary>
    public TimeSpan WorstCaseStart => StartPeriod + (Interval * Retries);
}

/// <summary>An HTTP service behind the edge, from its <c>io.mlstack.upstream</c> label "name:port:path": the edge's
/// upstream that routes to it, the port its copies listen on, and the path that answers 200 when a copy can serve.</summary>
public sealed record UpstreamSpec(string Name, int Port, string CheckPath)
{
    public const string Label = "io.mlstack.upstream";

    public static UpstreamSpec? Parse(string service, string? label)
    {
        if (label == null)
            return null;
        var parts = label.Split(':', 3);
        return parts.Length == 3 && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var port) && parts[2].StartsWith('/')
            ? new UpstreamSpec(parts[0], port, parts[2])
            : throw new Core.BuildInputException($"service {service}: label {Label} is \"{label}\"; write it as \"<upstream>:<port>:/<health path>\", e.g. \"ml_service:8000:/health\".");
    }
}

/// <param name="ConfigText">The service's resolved configuration as compose printed it: what Up compares.</param>
/// <param name="Tier">Its <c>io.mlstack.tier</c> label: a worker tier whose replicas the autoscaler sets.</param>
/// <param name="Upstream">Its <c>io.mlstack.upstream</c> label: an HTTP service a release rolls new-beside-old.</param>
/// <param name="IsEdge">Its <c>io.mlstack.edge</c> label: the front that owns the published port and routes to upstreams.</param>
/// <param name="StopGrace">Its stop_grace_period: how long a copy may drain before it is killed.</param>
/// <param name="NetworkOf">The service whose network it joins (<c>network_mode: service:NAME</c>): the edge's copies
/// all join edge-net, which owns the published ports, so a new copy can start beside the old on the same ports.</param>
public sealed record ServiceSpec(
    string Name,
    string? Image,
    BuildSpec? Build,
    HealthcheckSpec? Healthcheck,
    IReadOnlyDictionary<string, string> DependsOn,
    string? Restart,
    string ConfigText = "",
    string? Tier = null,
    UpstreamSpec? Upstream = null,
    bool IsEdge = false,
    TimeSpan? StopGrace = null,
    string? NetworkOf = null)
{
    public const string TierLabel = "io.mlstack.tier";
    public const string EdgeLabel = "io.mlstack.edge";

    public bool IsTier => Tier != null;

    /// <summary>A service that runs once and exits: nothing restarts it and it has no healthcheck.</summary>
    public bool IsOneShot => Healthcheck == null && Restart is null or "no";
}

/// <summary>The resolved compose configuration (what <c>compose config</c> prints), as far as the build needs it.</summary>
public sealed record ComposeModel(IReadOnlyList<ServiceSpec> Services)
{
    public ServiceSpec? Find(string name) => Services.FirstOrDefault(s => s.Name == name);

    /// <summary>The service that owns the published port and routes to the upstreams, if the stack has one.</summary>
    public ServiceSpec? Edge => Services.FirstOrDefault(s => s.IsEdge);
}
