using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Build.Cluster;

/// <summary>Small helpers over YamlDotNet's node model for the Swarm stack: reading compose's output, making nodes
/// whose type the Go YAML parser of the docker CLI reads as the compose schema wants it.</summary>
internal static class SwarmYaml
{
    public static YamlMappingNode Load(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode root
            ? root
            : throw new Core.BuildInputException("compose config printed no mapping; the stack cannot be rendered for Swarm.");
    }

    public static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    public static string? Text(YamlMappingNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

    public static IEnumerable<(string Key, YamlNode Value)> Entries(YamlNode? node) =>
        (node as YamlMappingNode)?.Children.Select(p => (((YamlScalarNode)p.Key).Value!, p.Value)) ?? [];

    /// <summary>A string the schema wants as a string (cpus "0.5", a duration): quoted, so no parser takes it for a number.</summary>
    public static YamlScalarNode Quoted(string value) => new(value) { Style = ScalarStyle.DoubleQuoted };

    public static YamlScalarNode Number(long value) => new(value.ToString(CultureInfo.InvariantCulture)) { Style = ScalarStyle.Plain };

    public static YamlScalarNode Flag(bool value) => new(value ? "true" : "false") { Style = ScalarStyle.Plain };

    /// <summary>A duration as compose and Swarm write it: whole seconds, e.g. "95s".</summary>
    public static YamlScalarNode Duration(TimeSpan value) =>
        Quoted(((long)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s");

    public static YamlSequenceNode Strings(IEnumerable<string> values) => new(values.Select(v => (YamlNode)Quoted(v)));

    /// <summary>The document with only the services <paramref name="keep"/> accepts (and everything top-level).</summary>
    public static string Write(YamlMappingNode document, Func<string, bool> keep)
    {
        var copy = new YamlMappingNode();
        foreach (var (key, value) in document.Children)
        {
            if (key is YamlScalarNode { Value: "services" } && value is YamlMappingNode services)
                copy.Add(key, new YamlMappingNode(services.Children.Where(s => keep(((YamlScalarNode)s.Key).Value!))));
            else
                copy.Add(key, value);
        }

        var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(copy)).Save(writer, assignAnchors: false);
        var text = writer.ToString();
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }
}
