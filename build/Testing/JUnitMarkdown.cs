using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace Mlstack.Build.Testing;

/// <summary>A JUnit XML report as Markdown for the CI run's page: the counts, then each failed test with the first
/// line of its message. The build writes it itself, rather than through a test-report action, so it needs no token
/// with write access (pull requests from forks get a read-only one) and reads any of our JUnit files the same way.</summary>
public static class JUnitMarkdown
{
    private const int MaxFailuresListed = 50;

    public static string Summarise(string junitFile, string title)
    {
        var cases = XDocument.Load(junitFile).Descendants("testcase").ToList();
        var failed = cases.Where(c => c.Element("failure") != null || c.Element("error") != null).ToList();
        var skipped = cases.Count(c => c.Element("skipped") != null);
        var md = new StringBuilder();
        var verdict = failed.Count == 0 ? "✅" : "❌";
        md.AppendLine(CultureInfo.InvariantCulture, $"### {verdict} {title}: {cases.Count - failed.Count - skipped} passed, {failed.Count} failed, {skipped} skipped");
        if (failed.Count == 0)
            return md.ToString();
        md.AppendLine().AppendLine("| Test | Message |").AppendLine("|---|---|");
        foreach (var test in failed.Take(MaxFailuresListed))
        {
            var problem = test.Element("failure") ?? test.Element("error")!;
            var message = (string?)problem.Attribute("message") ?? problem.Value;
            var firstLine = message.Split('\n', 2)[0].Trim();
            md.AppendLine(CultureInfo.InvariantCulture, $"| {Cell(Name(test))} | {Cell(firstLine)} |");
        }

        if (failed.Count > MaxFailuresListed)
            md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"…and {failed.Count - MaxFailuresListed} more; the reports artifact has them all.");
        return md.ToString();
    }

    // xunit writes the full name into name as well as the class into classname; other tools write the method only.
    private static string Name(XElement test)
    {
        var name = (string?)test.Attribute("name") ?? "?";
        var type = (string?)test.Attribute("classname");
        return type == null || name.StartsWith(type + ".", StringComparison.Ordinal) ? name : $"{type}.{name}";
    }

    private static string Cell(string text) =>
        (text.Length > 300 ? text[..299] + "…" : text).Replace("|", "\\|", StringComparison.Ordinal).Replace("\r", string.Empty, StringComparison.Ordinal);
}
