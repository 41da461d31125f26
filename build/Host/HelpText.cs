using Mlstack.Build.Core;

namespace Mlstack.Build.Host;

/// <summary>--help: every listed target with its description and direct dependencies, then every parameter with
/// its description, type and default.</summary>
internal static class HelpText
{
    public static void Print(TargetGraph graph, ExecutableTarget defaultTarget, IReadOnlyList<BuildParameter> parameters, BuildLog log)
    {
        var listed = graph.Targets.Where(t => t.Definition.IsListed).ToList();
        log.Report("Usage: ./build.sh [targets] [--parameter value ...]");
        log.Report(string.Empty);
        log.Report("Targets (with their direct dependencies):");
        log.Report(string.Empty);
        var width = listed.Select(t => Label(t, defaultTarget).Length).DefaultIfEmpty(0).Max() + 4;
        foreach (var target in listed)
        {
            var dependencies = target.DependsOn.Count == 0 ? string.Empty : $" -> {string.Join(", ", target.DependsOn.Select(d => d.Name))}";
            log.Report($"  {Label(target, defaultTarget).PadRight(width)}{target.Definition.DescriptionText}{dependencies}");
        }

        Parameters("Parameters:", parameters.Where(p => !BuildHost.IsHostParameter(p)), log);
        Parameters("Host options:", parameters.Where(BuildHost.IsHostParameter), log);
    }

    private static void Parameters(string heading, IEnumerable<BuildParameter> parameters, BuildLog log)
    {
        var rows = parameters.Select(p => (Usage: $"--{p.CliName} {TypeName(p.ValueType)}".TrimEnd(), Text: Describe(p))).ToList();
        if (rows.Count == 0)
            return;
        log.Report(string.Empty);
        log.Report(heading);
        log.Report(string.Empty);
        var width = rows.Max(r => r.Usage.Length) + 4;
        foreach (var (usage, text) in rows)
            log.Report($"  {usage.PadRight(width)}{text}");
    }

    private static string Label(ExecutableTarget target, ExecutableTarget defaultTarget) =>
        target == defaultTarget ? $"{target.Name} (default)" : target.Name;

    private static string Describe(BuildParameter parameter)
    {
        var shown = parameter.IsSecret ? "secret" : DefaultText(parameter.DefaultValue);
        return shown == null ? parameter.Description : $"{parameter.Description} (default: {shown})";
    }

    private static string? DefaultText(object? value) => value switch
    {
        null => null,
        string text when text.Length == 0 => null,
        string[] items => items.Length == 0 ? null : string.Join(" ", items),
        bool flag => flag ? "true" : null,
        TimeSpan span => Summary.Format(span),
        Enum item => NameMatching.KebabCase(item.ToString()),
        _ => value.ToString(),
    };

    public static string TypeName(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(bool))
            return string.Empty;
        if (type == typeof(string[]))
            return "<values...>";
        if (type == typeof(TimeSpan))
            return "<duration>";
        if (type == typeof(int) || type == typeof(double))
            return "<number>";
        if (type.IsEnum)
            return $"<{string.Join('|', ValueConverter.EnumNames(type))}>";
        return "<value>";
    }
}
