using Mlstack.Build.Core;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Build.Cluster;

/// <summary>A service's volumes and tmpfs as Swarm mounts (long form), from either form compose prints: v1's
/// "source:target:mode" strings, v2's mappings.</summary>
internal sealed record SwarmMount(string Type, string? Source, string Target, bool ReadOnly)
{
    public static IEnumerable<SwarmMount> Volumes(string service, YamlNode? volumes, IReadOnlySet<string> namedVolumes) =>
        (volumes as YamlSequenceNode)?.Children.Select(v => v switch
        {
            YamlScalarNode { Value: { } text } => Parse(text, namedVolumes),
            YamlMappingNode map => new SwarmMount(
                SwarmYaml.Text(map, "type") ?? "volume", SwarmYaml.Text(map, "source"),
                SwarmYaml.Text(map, "target") ?? throw new BuildInputException($"service {service}: a volume without a target."),
                SwarmYaml.Text(map, "read_only") == "true"),
            _ => throw new BuildInputException($"service {service}: a volume entry compose config does not print."),
        }) ?? [];

    /// <summary>compose's service-level tmpfs ("/tmp:mode=1777") as tmpfs mounts: Swarm makes them mode 1777 itself.</summary>
    public static IEnumerable<SwarmMount> Tmpfs(YamlNode? tmpfs) => tmpfs switch
    {
        YamlScalarNode { Value: { } one } => [new("tmpfs", null, one.Split(':')[0], false)],
        YamlSequenceNode list => list.Children.OfType<YamlScalarNode>().Select(t => new SwarmMount("tmpfs", null, t.Value!.Split(':')[0], false)),
        _ => [],
    };

    private static SwarmMount Parse(string text, IReadOnlySet<string> namedVolumes)
    {
        var parts = text.Split(':');
        if (parts.Length == 1)
            return new SwarmMount("volume", null, parts[0], false);
        var readOnly = parts.Length > 2 && parts[2].Split(',').Contains("ro");
        var type = namedVolumes.Contains(parts[0]) ? "volume" : "bind";
        return new SwarmMount(type, parts[0], parts[1], readOnly);
    }

    public bool IsNamedVolume => Type == "volume" && Source != null;

    public YamlMappingNode Node()
    {
        var node = new YamlMappingNode { { "type", SwarmYaml.Quoted(Type) } };
        if (Source != null)
            node.Add("source", SwarmYaml.Quoted(Source));
        node.Add("target", SwarmYaml.Quoted(Target));
        if (ReadOnly)
            node.Add("read_only", SwarmYaml.Flag(true));
        return node;
    }
}
