using System.Globalization;
using System.Text.RegularExpressions;

namespace Mlstack.Build.Core;

/// <summary>Durations as people and compose files write them: 90s, 2m, 1h, 1m30s, 250ms, or 0:01:30.</summary>
public static partial class Durations
{
    /// <summary>The duration, or null when the text is not one.</summary>
    public static TimeSpan? Parse(string text)
    {
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success || match.Length == 0)
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && text.Contains(':', StringComparison.Ordinal) ? span : null;
        var total = TimeSpan.Zero;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var unitMatch = UnitPattern().Match(part.Value);
            var amount = double.Parse(unitMatch.Groups[1].Value, CultureInfo.InvariantCulture);
            total += unitMatch.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
        }

        return total;
    }

    [GeneratedRegex(@"^(?<part>\d+(?:\.\d+)?(?:ms|s|m|h|d))+$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")]
    private static partial Regex UnitPattern();
}
