using System.Text.Json;

namespace Mlstack.Tests.Stack;

/// <summary>Where a secret's value shows in what the engine tells anyone who may read its API (<c>docker inspect</c>:
/// environment, command, entrypoint, labels, mounts, healthchecks, everything): one line per finding, naming the
/// container's service and the field, never the value.</summary>
internal static class SecretScan
{
    /// <param name="inspectJson">The array <c>docker inspect</c> prints for the containers.</param>
    public static IReadOnlyList<string> Findings(string inspectJson, IReadOnlyCollection<string> secrets)
    {
        using var json = JsonDocument.Parse(inspectJson);
        var findings = new List<string>();
        foreach (var container in json.RootElement.EnumerateArray())
        {
            var service = container.GetProperty("Config").GetProperty("Labels").TryGetProperty("com.docker.compose.service", out var label)
                ? label.GetString() : container.GetProperty("Name").GetString();
            Walk(container, "", (path, text) =>
            {
                if (secrets.Any(s => s.Length > 0 && text.Contains(s, StringComparison.Ordinal)))
                    findings.Add($"{service}: {path} holds a secret's value");
            });
        }

        return findings;
    }

    /// <summary>The stack's secret values for an env file's settings: the four the operator sets, and the passwords
    /// derived from them (the files that wrap them, Redis's user list and the exporter's map, hold nothing else).</summary>
    public static IReadOnlyList<string> Values(IReadOnlyDictionary<string, string> settings) =>
        [.. Mlstack.Build.Stack.StackSecrets.From(settings).Where(s => s.Name.EndsWith("_password", StringComparison.Ordinal) || s.Name.EndsWith("_key", StringComparison.Ordinal) || s.Name.EndsWith("_token", StringComparison.Ordinal))
            .Select(s => s.Content).Append(settings.GetValueOrDefault("REDIS_PASSWORD") ?? "").Where(v => v.Length > 0).Distinct()];

    private static void Walk(JsonElement element, string path, Action<string, string> visit)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    visit($"{path}.{property.Name} (name)", property.Name);
                    Walk(property.Value, $"{path}.{property.Name}", visit);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                    Walk(item, $"{path}[{index++}]", visit);
                break;
            case JsonValueKind.String:
                visit(path.TrimStart('.'), element.GetString()!);
                break;
        }
    }
}
