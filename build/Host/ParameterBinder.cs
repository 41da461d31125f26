namespace Mlstack.Build.Host;

/// <summary>Sets each parameter from the highest source that has it: command line, then environment, then the
/// profile files (later ones win), then .nuke/parameters.json, else the member keeps its default.</summary>
internal sealed class ParameterBinder(CommandLine commandLine, IReadOnlyDictionary<string, string> environment)
{
    private readonly List<(string Origin, Dictionary<BuildParameter, IReadOnlyList<string>> Values)> _files = [];

    public void AddFile(string origin, Dictionary<BuildParameter, IReadOnlyList<string>> values) =>
        _files.Insert(0, (origin, values));

    public void Bind(object build, IEnumerable<BuildParameter> parameters)
    {
        foreach (var parameter in parameters)
        {
            if (Find(parameter) is ({ } origin, { } values))
                parameter.SetValue(build, ValueConverter.Convert(parameter, values, origin));
        }
    }

    private (string? Origin, IReadOnlyList<string>? Values) Find(BuildParameter parameter)
    {
        if (commandLine.Values.TryGetValue(parameter, out var cli))
            return ("command line", cli);
        if (BuildHost.IsCommandLineOnly(parameter))
            return (null, null);
        if (EnvironmentValues.Find(parameter, environment) is { } env)
            return ($"environment variable {env.Variable}", env.Values);
        foreach (var (origin, values) in _files)
        {
            if (values.TryGetValue(parameter, out var found))
                return (origin, found);
        }

        return (null, null);
    }
}
