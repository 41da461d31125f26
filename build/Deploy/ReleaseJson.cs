using System.Text.Json;

namespace Mlstack.Build.Deploy;

/// <summary>release.json, lock.json and the audit log's lines: camelCase, one line each.</summary>
internal static class ReleaseJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Line<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>The lines that parse as <typeparamref name="T"/>; anything else (a torn last line) is passed over.</summary>
    public static List<T> Lines<T>(string text)
    {
        var values = new List<T>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith('{')))
        {
            try
            {
                if (JsonSerializer.Deserialize<T>(line, Options) is { } value)
                    values.Add(value);
            }
            catch (JsonException)
            {
                // not one of ours
            }
        }

        return values;
    }
}
