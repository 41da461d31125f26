namespace Mlstack.Build.Stack;

/// <summary>A compose file with every <c>ports:</c> entry left out, for a second copy of the stack beside the first (a
/// scratch project): nothing it runs is published, so nothing clashes with the live stack's ports or is reachable from
/// outside. Compose cannot take a published port away in an override file (lists are merged), hence a copy.</summary>
public static class UnpublishedCompose
{
    public static string Of(string composeYaml)
    {
        var kept = new List<string>();
        int? droppedIndent = null;
        foreach (var line in composeYaml.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var indent = line.Length - line.TrimStart().Length;
            if (droppedIndent is { } ports && (line.Trim().Length == 0 || indent > ports || (indent == ports && line.TrimStart().StartsWith('-'))))
                continue;
            droppedIndent = null;
            if (indent > 0 && line.TrimStart().StartsWith("ports:", StringComparison.Ordinal))
            {
                // "ports: [...]" ends on its own line; "ports:" goes on with its list items below.
                if (line.TrimStart().TrimEnd() == "ports:")
                    droppedIndent = indent;
                continue;
            }

            kept.Add(line);
        }

        return string.Join('\n', kept);
    }
}
