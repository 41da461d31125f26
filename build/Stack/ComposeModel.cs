namespace Mlstack.Build.Stack;

public sealed record BuildSpec(string Context, string? Dockerfile, string? Target, IReadOnlyDictionary<string, string> Args);

public sealed record HealthcheckSpec(TimeSpan Interval, TimeSpan Timeout, int Retries, TimeSpan StartPeriod)
{
    /// <summary>How long a healthy start may take at most: the grace period, then every retry failing.</summary>
    public TimeSpan WorstCaseStart => StartPeriod + (Interval * Retries);
}

/// <param name="ConfigText">The service's resolved configuration as compose printed it: what Up compares.</param>
/// <param name="Tier">Its <c>io.mlstack.tier</c> label: a worker tier whose replicas the autoscaler sets.</param>
public sealed record ServiceSpec(
    string Name,
    string? Image,
    BuildSpec? Build,
    HealthcheckSpec? Healthcheck,
    IReadOnlyDictionary<string, string> DependsOn,
    string? Restart,
    string ConfigText = "",
    string? Tier = null)
{
    public const string TierLabel = "io.mlstack.tier";

    public bool IsTier => Tier != null;

    /// <summary>A service that runs once and exits: nothing restarts it and it has no healthcheck.</summary>
    public bool IsOneShot => Healthcheck == null && Restart is null or "no";
}

/// <summary>The resolved compose configuration (what <c>compose config</c> prints), as far as the build needs it.</summary>
public sealed record ComposeModel(IReadOnlyList<ServiceSpec> Services)
{
    public ServiceSpec? Find(string name) => Services.FirstOrDefault(s => s.Name == name);
}
