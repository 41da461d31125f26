using System.Globalization;
using Mlstack.Build.Core;

namespace Mlstack.Build.Host;

/// <summary>Turns the text a user gave into a parameter's type, or says in one line what form is accepted.</summary>
internal static class ValueConverter
{
    public static object? Convert(BuildParameter parameter, IReadOnlyList<string> values, string origin)
    {
        var type = Nullable.GetUnderlyingType(parameter.ValueType) ?? parameter.ValueType;
        if (type == typeof(string[]))
            return values.ToArray();
        if (type == typeof(bool) && values.Count == 0)
            return true;
        if (values.Count != 1)
            throw Error(parameter, origin, values.Count == 0 ? "no value" : string.Join(' ', values), "one value", quote: values.Count != 0);

        var text = values[0];
        if (type == typeof(string))
            return text;
        if (type == typeof(bool))
            return ParseBool(text) ?? throw Error(parameter, origin, text, "true or false");
        if (type == typeof(int))
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw Error(parameter, origin, text, "a whole number, e.g. 50");
        if (type == typeof(double))
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)
                ? real
                : throw Error(parameter, origin, text, "a number, e.g. 0.5");
        if (type == typeof(TimeSpan))
            return Durations.Parse(text) ?? throw Error(parameter, origin, text, "a duration such as 90s, 2m, 1h or 1m30s");
        if (type.IsEnum)
            return ParseEnum(type, text) ?? throw Error(parameter, origin, text, "one of " + string.Join(", ", EnumNames(type)));
        throw new InvalidOperationException($"Parameter {parameter.Name} has type {type.Name}, which the build cannot read.");
    }

    public static IEnumerable<string> EnumNames(Type type) =>
        Enum.GetNames(type).Select(NameMatching.KebabCase);

    private static bool? ParseBool(string text) => text.ToLowerInvariant() switch
    {
        "true" or "yes" or "1" or "on" => true,
        "false" or "no" or "0" or "off" => false,
        _ => null,
    };

    private static object? ParseEnum(Type type, string text)
    {
        var wanted = NameMatching.Normalize(text);
        var name = Enum.GetNames(type).FirstOrDefault(n => NameMatching.Normalize(n) == wanted);
        return name == null ? null : Enum.Parse(type, name);
    }

    private static BuildInputException Error(BuildParameter parameter, string origin, string value, string expected, bool quote = true)
    {
        var shown = parameter.IsSecret ? "the value" : quote ? $"'{value}'" : value;
        return new BuildInputException($"Parameter --{parameter.CliName} ({origin}): {shown} is not valid; expected {expected}.");
    }
}
