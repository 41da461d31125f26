using Mlstack.Build.Core;

namespace Mlstack.Build.Stack;

/// <summary>Which env file a compose call reads: stack/.env when the user made one, else (dev only) the example's
/// development values. Prod never falls back to the example's well-known passwords.</summary>
public static class EnvFile
{
    public static string Resolve(string root, StackEnvironment environment)
    {
        var own = Path.Combine(root, "stack", ".env");
        if (File.Exists(own))
            return own;
        if (environment == StackEnvironment.Dev)
            return Path.Combine(root, "stack", ".env.example");
        throw new BuildInputException("stack/.env is missing: copy stack/.env.example to stack/.env and set real passwords before starting the prod environment.");
    }

    /// <summary>KEY=VALUE lines; comments and blank lines ignored; surrounding quotes removed.</summary>
    public static Dictionary<string, string> Read(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || !line.Contains('=', StringComparison.Ordinal))
                continue;
            var (key, value) = (line[..line.IndexOf('=', StringComparison.Ordinal)].Trim(), line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim());
            values[key] = value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0] ? value[1..^1] : value;
        }

        return values;
    }
}
