using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mlstack.Build.Host;

/// <summary>Keeps .nuke/build.schema.json in step with the declared parameters, so editors complete and check
/// parameters.json. Written only when it changed.</summary>
internal static class SchemaWriter
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file for people: keep < and > readable
    };

    public static void Update(string root, IReadOnlyList<BuildParameter> parameters, TargetGraph graph)
    {
        var path = Path.Combine(root, ".nuke", "build.schema.json");
        if (!Directory.Exists(Path.GetDirectoryName(path)))
            return;
        var text = Generate(parameters, graph) + "\n";
        if (!File.Exists(path) || File.ReadAllText(path) != text)
            File.WriteAllText(path, text);
    }

    public static string Generate(IReadOnlyList<BuildParameter> parameters, TargetGraph graph)
    {
        var targetNames = new JsonArray([.. graph.Targets.Select(t => JsonValue.Create(t.Name))]);
        var properties = new JsonObject();
        foreach (var parameter in parameters.Where(p => !BuildHost.IsCommandLineOnly(p)))
            properties[parameter.Name] = Describe(parameter);
        var schema = new JsonObject
        {
            ["$schema"] = "http://json-schema.org/draft-04/schema#",
            ["title"] = "Build Schema",
            ["type"] = "object",
            ["properties"] = properties,
            ["definitions"] = new JsonObject { ["Targets"] = new JsonObject { ["type"] = "string", ["enum"] = targetNames } },
        };
        properties["$schema"] = new JsonObject { ["type"] = "string" };
        return schema.ToJsonString(Indented);
    }

    private static JsonObject Describe(BuildParameter parameter)
    {
        var type = Nullable.GetUnderlyingType(parameter.ValueType) ?? parameter.ValueType;
        var node = new JsonObject { ["description"] = parameter.Description };
        if (type == typeof(bool))
            node["type"] = "boolean";
        else if (type == typeof(int))
            node["type"] = "integer";
        else if (type == typeof(double))
            node["type"] = "number";
        else if (type == typeof(string[]))
            node["type"] = "array";
        else if (type.IsEnum)
            node["enum"] = new JsonArray([.. Enum.GetNames(type).Select(n => JsonValue.Create(n))]);
        else
            node["type"] = "string";
        if (type == typeof(TimeSpan))
            node["pattern"] = @"^(\d+(\.\d+)?(ms|s|m|h|d))+$";
        return node;
    }
}
