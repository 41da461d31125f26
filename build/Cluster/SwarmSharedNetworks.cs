using Mlstack.Build.Stack;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Build.Cluster;

/// <summary>A service that joins another's network namespace (compose's <c>network_mode: service:NAME</c>: on one VM
/// the edge joins edge-net, which owns the published ports so that a new edge starts beside the old). A Swarm task
/// cannot join another's namespace, so on a cluster the joining service publishes the owner's ports and joins its
/// networks (aliases kept) itself, and the owner, which runs only to hold the namespace, is not rendered.</summary>
internal static class SwarmSharedNetworks
{
    private static readonly string[] Moved = ["ports", "networks"];

    /// <returns>The services to render, each with its own settings or, for a joining one, the owner's network
    /// settings in place of its network_mode; and the owners left out.</returns>
    public static (IReadOnlyList<(string Name, YamlMappingNode Source)> Services, IReadOnlySet<string> Owners) Fold(YamlNode? services, ComposeModel model, List<SwarmDropped> dropped)
    {
        var all = SwarmYaml.Entries(services).ToDictionary(e => e.Key, e => (YamlMappingNode)e.Value, StringComparer.Ordinal);
        var owners = new HashSet<string>(StringComparer.Ordinal);
        var rendered = new List<(string, YamlMappingNode)>();
        foreach (var (name, source) in all)
        {
            if (model.Find(name)?.NetworkOf is not { } ownerName || !all.TryGetValue(ownerName, out var owner))
            {
                rendered.Add((name, source));
                continue;
            }

            var joined = new YamlMappingNode(source.Children.Where(c => ((YamlScalarNode)c.Key).Value is not ("network_mode" or "ports" or "networks")));
            foreach (var key in Moved)
            {
                if (SwarmYaml.Child(owner, key) is { } setting)
                    joined.Add(key, setting);
            }

            owners.Add(ownerName);
            dropped.Add(new SwarmDropped(ownerName, "the service", $"a Swarm task cannot join another's network namespace: {name} publishes its ports and joins its networks itself"));
            rendered.Add((name, joined));
        }

        return ([.. rendered.Where(r => !owners.Contains(r.Item1))], owners);
    }

    /// <summary>The model without the owners, and without the dependencies on them: what the deploy phases order.</summary>
    public static ComposeModel Without(ComposeModel model, IReadOnlySet<string> owners) =>
        new([.. model.Services
            .Where(s => !owners.Contains(s.Name))
            .Select(s => s with { NetworkOf = null, DependsOn = s.DependsOn.Where(d => !owners.Contains(d.Key)).ToDictionary(d => d.Key, d => d.Value) })]);
}
