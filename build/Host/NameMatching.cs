using System.Text;

namespace Mlstack.Build.Host;

/// <summary>How names are compared and suggested: case, dashes and underscores never matter.</summary>
internal static class NameMatching
{
    public static string Normalize(string name) =>
        new([.. name.Where(c => c != '-' && c != '_').Select(char.ToLowerInvariant)]);

    /// <summary>ExtraCaCerts → extra-ca-certs.</summary>
    public static string KebabCase(string name)
    {
        var result = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var startsWord = char.IsUpper(c) && i > 0 &&
                (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])));
            if (startsWord)
                result.Append('-');
            result.Append(char.ToLowerInvariant(c));
        }

        return result.ToString();
    }

    /// <summary>The known name closest to what was typed, when it is close enough to be a typo.</summary>
    public static string? Closest(string typed, IEnumerable<string> known)
    {
        var wanted = Normalize(typed);
        var best = known
            .Select(name => (name, distance: Distance(wanted, Normalize(name))))
            .OrderBy(x => x.distance)
            .FirstOrDefault();
        var tolerance = Math.Max(2, wanted.Length / 3);
        return best.name != null && best.distance <= tolerance ? best.name : null;
    }

    public static string DidYouMean(string typed, IEnumerable<string> known, string prefix = "") =>
        Closest(typed, known) is { } closest ? $" Did you mean {prefix}{closest}?" : string.Empty;

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
