namespace Mlstack.Build.Host;

/// <summary>Finds a parameter in the environment: the exact member name first, else a name equal to it when case
/// and underscores are ignored, optionally prefixed NUKE_ (ExtraCaCerts ← EXTRA_CA_CERTS or NUKE_EXTRA_CA_CERTS). An
/// empty variable is no value: GitHub Actions passes a variable or secret that is not set as an empty one.</summary>
internal static class EnvironmentValues
{
    public static (string Variable, IReadOnlyList<string> Values)? Find(BuildParameter parameter, IReadOnlyDictionary<string, string> environment)
    {
        var variable = environment.ContainsKey(parameter.Name)
            ? parameter.Name
            : environment.Keys
                .Where(key => Matches(key, parameter.Name))
                .OrderBy(key => key, StringComparer.Ordinal)
                .FirstOrDefault();
        if (variable == null)
            return null;
        var text = environment[variable];
        if (text.Length == 0)
            return null;
        IReadOnlyList<string> values = parameter.ValueType.IsArray
            ? text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [text];
        return (variable, values);
    }

    private static bool Matches(string key, string name)
    {
        var normalizedKey = NameMatching.Normalize(key);
        var normalizedName = NameMatching.Normalize(name);
        return normalizedKey == normalizedName || normalizedKey == "nuke" + normalizedName;
    }
}
