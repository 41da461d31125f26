using System.Text.Json;
using Mlstack.Build.Core;

namespace Mlstack.Build.Host;

/// <summary>Reads .nuke/parameters.json and parameters.&lt;profile&gt;.json. A malformed file, or a key that is no
/// parameter, fails the build with the file, line and problem.</summary>
internal static class ParameterFiles
{
    private static readonly JsonDocumentOptions Options = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    public static IEnumerable<string> Paths(string root, IEnumerable<string> profiles)
    {
        var directory = Path.Combine(root, ".nuke");
        var main = Path.Combine(directory, "parameters.json");
        if (File.Exists(main))
            yield return main;
        foreach (var profile in profiles)
        {
            var path = Path.Combine(directory, $"parameters.{profile}.json");
            if (!File.Exists(path))
                throw new BuildInputException($"Profile '{profile}': {Relative(root, path)} does not exist; create it or drop --profile {profile}.");
            yield return path;
        }
    }

    public static Dictionary<BuildParameter, IReadOnlyList<string>> Read(string root, string path, IReadOnlyList<BuildParameter> parameters)
    {
        var shown = Relative(root, path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), Options);
        }
        catch (JsonException e)
        {
            var problem = e.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0];
            throw new BuildInputException($"{shown} line {(e.LineNumber ?? 0) + 1}: {problem}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new BuildInputException($"{shown} line 1: expected a JSON object of parameter names and values.");
            var values = new Dictionary<BuildParameter, IReadOnlyList<string>>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name.StartsWith('$'))
                    continue;
                var wanted = NameMatching.Normalize(property.Name);
                var parameter = parameters.FirstOrDefault(p => NameMatching.Normalize(p.Name) == wanted)
                    ?? throw new BuildInputException(
                        $"{shown}: '{property.Name}' is not a parameter of this build.{NameMatching.DidYouMean(property.Name, parameters.Select(p => p.Name))}");
                if (property.Value.ValueKind != JsonValueKind.Null)
                    values[parameter] = Texts(property.Value);
            }

            return values;
        }
    }

    private static string[] Texts(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => [.. value.EnumerateArray().SelectMany(Texts)],
        JsonValueKind.String => [value.GetString()!],
        _ => [value.GetRawText()],
    };

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path);
}
