using Docker.DotNet.Models;

namespace Mlstack.Build.Engine;

/// <summary>Containers that join another's network namespace: compose's <c>network_mode: service:NAME</c>, which the
/// engine keeps as <c>container:ID</c> (the edge's copies join edge-net's). Such a container has no network or address
/// of its own, and cannot start while the one it joins is stopped.</summary>
public static class SharedNetwork
{
    private const string Prefix = "container:";

    /// <summary>The id of the container whose network this one joins, or null when it has its own.</summary>
    public static string? OwnerId(ContainerListResponse container) =>
        container.HostConfig?.NetworkMode is { } mode && mode.StartsWith(Prefix, StringComparison.Ordinal) ? mode[Prefix.Length..] : null;

    /// <summary>The container that holds this one's network (and so its address): the one it joins, or itself.</summary>
    public static ContainerListResponse Holder(ContainerListResponse container, IEnumerable<ContainerListResponse> all) =>
        OwnerId(container) is { } owner ? all.FirstOrDefault(c => c.ID.StartsWith(owner, StringComparison.Ordinal)) ?? container : container;

    /// <summary>The ids of the containers others join: stopping one of them takes the others' network away.</summary>
    public static IReadOnlySet<string> Owners(IEnumerable<ContainerListResponse> all)
    {
        var list = all.ToList();
        return list.Select(OwnerId).OfType<string>().Select(owner => list.FirstOrDefault(c => c.ID.StartsWith(owner, StringComparison.Ordinal))?.ID ?? owner).ToHashSet();
    }
}
