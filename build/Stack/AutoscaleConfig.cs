using YamlDotNet.RepresentationModel;

namespace Mlstack.Build.Stack;

/// <summary>What the build needs of stack/config/autoscale.yaml (the autoscaler reads all of it): which tiers the
/// autoscaler may take down to 0 replicas, so Up and the gates count such a tier as ready with none running.</summary>
public static class AutoscaleConfig
{
    public static IReadOnlySet<string> TiersThatMayScaleToZero(string file)
    {
        if (!File.Exists(file))
            return new HashSet<string>();
        var stream = new YamlStream();
        using (var reader = new StreamReader(file))
            stream.Load(reader);
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("tiers"), out var tiers) || tiers is not YamlMappingNode map)
            return new HashSet<string>();
        return map.Children
            .Where(t => t.Value is YamlMappingNode settings && settings.Children.TryGetValue(new YamlScalarNode("min"), out var min) && (min as YamlScalarNode)?.Value == "0")
            .Select(t => ((YamlScalarNode)t.Key).Value!)
            .ToHashSet(StringComparer.Ordinal);
    }
}
