using System.Text.RegularExpressions;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Core;

/// <summary>Domain failures are typed (a <c>BuildFailure</c>), so that callers decide by type: an
/// InvalidOperationException in build/ is a bug — state that cannot happen — and each one is listed here with why.</summary>
public sealed partial class TypedFailureSourceTests
{
    private sealed record Allowed(string File, string Fragment, string Reason);

    /// <summary>Programming errors: the build's own code is wrong, whatever the user or the stack did.</summary>
    private static readonly Allowed[] ProgrammingErrors =
    [
        new("build/Host/ValueConverter.cs", "which the build cannot read",
            "a [Parameter] field of a type the converter does not know: the build's code is wrong, not the user's input"),
    ];

    private sealed record Site(string File, int Line, string Statement)
    {
        public override string ToString() => $"{File}:{Line}: {Statement}";
    }

    [Fact]
    public void Every_InvalidOperationException_in_build_is_an_allowed_programming_error()
    {
        var unlisted = Sites().Where(s => Match(s) == null).ToList();

        Assert.True(unlisted.Count == 0,
            "A domain failure is a BuildFailure (see build/Core/BuildFailure.cs), not an InvalidOperationException. Throw a typed "
            + "failure, or, for a state that cannot happen, add the file and why to ProgrammingErrors:\n"
            + string.Join('\n', unlisted));
    }

    [Fact]
    public void Every_allow_list_entry_still_matches_a_throw()
    {
        var sites = Sites();
        var stale = ProgrammingErrors.Where(a => !sites.Any(s => Matches(a, s))).ToList();

        Assert.True(stale.Count == 0, "Remove these entries; their throws are gone or typed now:\n" + string.Join('\n', stale));
    }

    [Fact]
    public void The_scan_finds_a_throw_however_it_is_written()
    {
        const string source = "x ?? throw new InvalidOperationException(\n    \"one\");\nthrow new System.InvalidOperationException(\"two\");\n_ => new global::System.InvalidOperationException(\"three\"),";

        var found = Find("build/X.cs", source).ToList();

        Assert.Equal([1, 3, 4], found.Select(s => s.Line));
        Assert.Contains("\"one\"", found[0].Statement, StringComparison.Ordinal);
    }

    private static Allowed? Match(Site site) => ProgrammingErrors.FirstOrDefault(a => Matches(a, site));

    private static bool Matches(Allowed allowed, Site site) =>
        allowed.File == site.File && site.Statement.Contains(allowed.Fragment, StringComparison.Ordinal);

    private static List<Site> Sites()
    {
        var build = Path.Combine(RepositoryRoot.Path, "build");
        return [.. Directory.EnumerateFiles(build, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsGenerated(Path.GetRelativePath(build, f)))
            .SelectMany(f => Find(Path.GetRelativePath(RepositoryRoot.Path, f).Replace('\\', '/'), File.ReadAllText(f)))];
    }

    private static bool IsGenerated(string relative) =>
        relative.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj";

    /// <summary>Every InvalidOperationException created (thrown, or made to be thrown), with its statement up to the
    /// next semicolon, so an entry can name it by a piece of its message.</summary>
    private static IEnumerable<Site> Find(string file, string source)
    {
        foreach (Match match in Creation().Matches(source))
        {
            var line = source.AsSpan(0, match.Index).Count('\n') + 1;
            var end = source.IndexOf(';', match.Index);
            var statement = source[match.Index..(end < 0 ? source.Length : Math.Min(end, match.Index + 400))];
            yield return new Site(file, line, Regex.Replace(statement, @"\s+", " "));
        }
    }

    [GeneratedRegex(@"new\s+(?:global::)?(?:System\.)?InvalidOperationException\s*\(")]
    private static partial Regex Creation();
}
