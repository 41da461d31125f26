using System.Text.RegularExpressions;

namespace Mlstack.Build.Images;

/// <summary>.dockerignore rules: patterns in order, the last one that matches a path decides, "!" re-includes, and
/// a pattern that matches a folder matches everything in it.</summary>
public sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Include)> _rules = [];

    public DockerIgnore(IEnumerable<string> lines)
    {
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var include = line.StartsWith('!');
            var pattern = (include ? line[1..] : line).Trim().TrimStart('/').TrimEnd('/');
            if (pattern.StartsWith("./", StringComparison.Ordinal))
                pattern = pattern[2..];
            _rules.Add((new Regex("^" + ToRegex(pattern) + "$", RegexOptions.CultureInvariant), include));
        }
    }

    public static DockerIgnore ForContext(string contextDirectory)
    {
        var file = Path.Combine(contextDirectory, ".dockerignore");
        return new DockerIgnore(File.Exists(file) ? File.ReadAllLines(file) : []);
    }

    /// <param name="relativePath">Forward slashes, relative to the context.</param>
    public bool IsExcluded(string relativePath)
    {
        var excluded = false;
        foreach (var (pattern, include) in _rules)
        {
            if (MatchesSelfOrParent(pattern, relativePath))
                excluded = !include;
        }

        return excluded;
    }

    private static bool MatchesSelfOrParent(Regex pattern, string path)
    {
        for (var candidate = path; candidate.Length > 0; candidate = Parent(candidate))
        {
            if (pattern.IsMatch(candidate))
                return true;
        }

        return false;
    }

    private static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? string.Empty : path[..slash];
    }

    private static string ToRegex(string pattern)
    {
        var regex = new System.Text.StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                regex.Append(".*");
                i++;
                if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    i++;
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        return regex.ToString();
    }
}
