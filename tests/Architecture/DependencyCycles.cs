namespace Mlstack.Tests.Architecture;

/// <summary>A cycle in a dependency graph, by depth-first search: the path from the first folder met twice on the
/// current path back to itself, or null.</summary>
internal static class DependencyCycles
{
    public static IReadOnlyList<string>? Find(IReadOnlyDictionary<string, IReadOnlyCollection<string>> graph)
    {
        var done = new HashSet<string>();
        var path = new List<string>();
        foreach (var start in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(start, graph, done, path) is { } cycle)
                return cycle;
        }

        return null;
    }

    private static List<string>? Visit(string node, IReadOnlyDictionary<string, IReadOnlyCollection<string>> graph, HashSet<string> done, List<string> path)
    {
        if (path.IndexOf(node) is var at and >= 0)
            return [.. path[at..], node];
        if (!done.Add(node))
            return null;
        path.Add(node);
        foreach (var next in (graph.TryGetValue(node, out var edges) ? edges : []).Order(StringComparer.Ordinal))
        {
            if (Visit(next, graph, done, path) is { } cycle)
                return cycle;
        }

        path.RemoveAt(path.Count - 1);
        return null;
    }
}
