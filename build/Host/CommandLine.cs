using Mlstack.Build.Core;

namespace Mlstack.Build.Host;

/// <summary>The command line split into target names and parameter values. Parsing needs the declared parameters:
/// a bool takes a following word only when it is true/false, an array takes words up to the next option.</summary>
internal sealed class CommandLine
{
    private CommandLine(List<string> targetNames, Dictionary<BuildParameter, IReadOnlyList<string>> values)
    {
        TargetNames = targetNames;
        Values = values;
    }

    public IReadOnlyList<string> TargetNames { get; }
    public IReadOnlyDictionary<BuildParameter, IReadOnlyList<string>> Values { get; }

    public static CommandLine Parse(IReadOnlyList<string> args, IReadOnlyList<BuildParameter> parameters)
    {
        var targets = new List<string>();
        var values = new Dictionary<BuildParameter, IReadOnlyList<string>>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!IsOption(arg))
            {
                targets.Add(arg);
                continue;
            }

            var (name, inline) = SplitOption(arg);
            var parameter = Find(name, parameters);
            var taken = new List<string>();
            if (inline != null)
                taken.Add(inline);
            else if (IsArray(parameter))
                while (i + 1 < args.Count && !IsOption(args[i + 1]))
                    taken.Add(args[++i]);
            else if (IsBool(parameter))
            {
                if (i + 1 < args.Count && IsBoolLiteral(args[i + 1]))
                    taken.Add(args[++i]);
            }
            else if (i + 1 < args.Count && !IsOption(args[i + 1]))
                taken.Add(args[++i]);
            else
                throw new BuildInputException($"Parameter --{parameter.CliName} needs a value: --{parameter.CliName} <value>.");

            values[parameter] = taken;
        }

        return new CommandLine(targets, values);
    }

    private static bool IsOption(string arg) =>
        arg.StartsWith("--", StringComparison.Ordinal) || (arg.Length == 2 && arg[0] == '-' && char.IsLetter(arg[1]));

    private static (string Name, string? Inline) SplitOption(string arg)
    {
        if (arg == "-h")
            return ("help", null);
        var body = arg.TrimStart('-');
        var equals = body.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (body, null) : (body[..equals], body[(equals + 1)..]);
    }

    private static BuildParameter Find(string name, IReadOnlyList<BuildParameter> parameters)
    {
        var wanted = NameMatching.Normalize(name);
        return parameters.FirstOrDefault(p => NameMatching.Normalize(p.Name) == wanted)
            ?? throw new BuildInputException(
                $"Unknown parameter --{name}.{NameMatching.DidYouMean(name, parameters.Select(p => p.CliName), "--")} Run --help for the list.");
    }

    private static bool IsArray(BuildParameter parameter) => parameter.ValueType.IsArray;

    private static bool IsBool(BuildParameter parameter) =>
        (Nullable.GetUnderlyingType(parameter.ValueType) ?? parameter.ValueType) == typeof(bool);

    private static bool IsBoolLiteral(string arg) => arg.ToLowerInvariant() is "true" or "false";
}
