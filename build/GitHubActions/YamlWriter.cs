using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Mlstack.Build.GitHubActions;

/// <summary>Block-style YAML, two spaces per level, written line by line so the output reads like a hand-written
/// workflow (and diffs like one). Scalars stay plain when YAML reads them back as the same string, else single-quoted.</summary>
internal sealed partial class YamlWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;
    private bool _itemStarts;

    public void Comment(string text) => Line($"# {text}");

    public void BlankLine() => _text.Append('\n');

    public void Scalar(string key, string value)
    {
        if (!value.Contains('\n', StringComparison.Ordinal))
        {
            Line($"{key}: {Quote(value)}");
            return;
        }

        Line($"{key}: |-");
        foreach (var line in value.Split('\n'))
            _text.Append(' ', _indent + 2).Append(line).Append('\n');
    }

    /// <summary>A key with no value (null), as GitHub wants for a trigger with no settings.</summary>
    public void Key(string key) => Line($"{key}:");

    public void Scalar(string key, int value) => Line($"{key}: {value.ToString(CultureInfo.InvariantCulture)}");

    public void Scalar(string key, bool value) => Line($"{key}: {(value ? "true" : "false")}");

    /// <summary>An item of a list of scalars.</summary>
    public void Item(string value) => Line($"- {Quote(value)}");

    /// <summary>"key:" with what the scope writes nested under it.</summary>
    public IDisposable Mapping(string key)
    {
        Line($"{key}:");
        _indent += 2;
        return new Scope(() => _indent -= 2);
    }

    /// <summary>An item of a list of mappings: its first line starts with "- ", the rest align under it.</summary>
    public IDisposable MappingItem()
    {
        _itemStarts = true;
        _indent += 2;
        return new Scope(() => _indent -= 2);
    }

    public override string ToString() => _text.ToString();

    private void Line(string content)
    {
        _text.Append(' ', _itemStarts ? _indent - 2 : _indent).Append(_itemStarts ? "- " : string.Empty).Append(content).Append('\n');
        _itemStarts = false;
    }

    public static string Quote(string value) =>
        PlainSafe().IsMatch(value) && !value.Contains(": ", StringComparison.Ordinal) && !value.Contains(" #", StringComparison.Ordinal) && !ReadsAsOtherType().IsMatch(value)
            ? value
            : $"'{value.Replace("'", "''", StringComparison.Ordinal)}'";

    // A plain scalar may not start with an indicator or a space, nor end with a space or ':'.
    [GeneratedRegex(@"^[^\s\-?:,\[\]{}#&*!|>'""%@`](.*[^\s:])?$")]
    private static partial Regex PlainSafe();

    // Values YAML 1.1 or 1.2 would read as booleans, null or numbers.
    [GeneratedRegex(@"^(?i:y|yes|n|no|true|false|on|off|null|~)$|^[-+]?(\.?\d[\d_.]*([eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o[0-7]+|\.inf|\.nan)$")]
    private static partial Regex ReadsAsOtherType();

    private sealed class Scope(Action close) : IDisposable
    {
        public void Dispose() => close();
    }
}
