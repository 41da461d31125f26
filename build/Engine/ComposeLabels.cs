using Docker.DotNet.Models;

namespace Mlstack.Build.Engine;

/// <summary>The labels Compose puts on what it creates. Containers, networks and volumes are found by them, never by
/// name: Compose v1 and v2 name them differently.</summary>
public static class ComposeLabels
{
    public const string Project = "com.docker.compose.project";
    public const string Service = "com.docker.compose.service";
    public const string Network = "com.docker.compose.network";
    public const string Volume = "com.docker.compose.volume";

    /// <summary>An Engine API filter on labels (key=value), all of which must match.</summary>
    public static Dictionary<string, IDictionary<string, bool>> Filter(params string[] labels) =>
        new() { ["label"] = labels.ToDictionary(l => l, _ => true) };

    /// <summary>The filter for one project's objects (and, when given, one service's).</summary>
    public static Dictionary<string, IDictionary<string, bool>> OfProject(string project, string? service = null) =>
        service == null ? Filter($"{Project}={project}") : Filter($"{Project}={project}", $"{Service}={service}");

    /// <summary>The compose service a container belongs to, or null for one compose did not make.</summary>
    public static string? ServiceOf(ContainerListResponse container) =>
        container.Labels is { } labels && labels.TryGetValue(Service, out var service) ? service : null;

    /// <inheritdoc cref="ServiceOf(ContainerListResponse)"/>
    public static string? ServiceOf(IDictionary<string, string>? labels) =>
        labels != null && labels.TryGetValue(Service, out var service) ? service : null;
}
