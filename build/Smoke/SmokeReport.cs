using System.Globalization;
using System.Xml.Linq;
using Mlstack.Build.Core;

namespace Mlstack.Build.Smoke;

/// <summary>The console table (service, check, result, duration) and JUnit XML that CI can display.</summary>
public static class SmokeReport
{
    public static void Print(IReadOnlyList<CheckOutcome> outcomes, BuildLog log)
    {
        var rows = outcomes.OrderBy(o => o.Check.Service, StringComparer.Ordinal).ToList();
        var serviceWidth = rows.Max(o => o.Check.Service.Length) + 2;
        var checkWidth = Math.Min(60, rows.Max(o => o.Check.Name.Length)) + 2;
        log.Report($"{"service".PadRight(serviceWidth)}{"check".PadRight(checkWidth)}{"result",-8}{"duration",9}");
        foreach (var o in rows)
        {
            var name = o.Check.Name.Length > 60 ? o.Check.Name[..59] + "…" : o.Check.Name;
            var result = o.Result == CheckResult.Passed ? "✓ pass" : "✗ FAIL";
            log.Report($"{o.Check.Service.PadRight(serviceWidth)}{name.PadRight(checkWidth)}{result,-8}{o.Duration.TotalSeconds,8:0.00}s");
        }

        foreach (var failed in rows.Where(o => o.Result == CheckResult.Failed))
            log.Error($"✗ {failed.Check.Service} · {failed.Check.Name}: expected {failed.Expected}; got {failed.Got}");
    }

    /// <param name="mask">Hides secrets in what checks reported having got.</param>
    public static void WriteJUnit(IReadOnlyList<CheckOutcome> outcomes, string path, Func<string, string> mask)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var suite = new XElement("testsuite",
            new XAttribute("name", "SmokeTest"),
            new XAttribute("tests", outcomes.Count),
            new XAttribute("failures", outcomes.Count(o => o.Result == CheckResult.Failed)),
            new XAttribute("time", Seconds(outcomes.Max(o => o.Duration))),
            outcomes.Select(o => new XElement("testcase",
                new XAttribute("classname", $"smoke.{o.Check.Service}"),
                new XAttribute("name", o.Check.Name),
                new XAttribute("time", Seconds(o.Duration)),
                o.Result == CheckResult.Failed ? new XElement("failure", new XAttribute("message", mask($"expected {o.Expected}; got {o.Got}")), mask($"expected: {o.Expected}\ngot: {o.Got}")) : null)));
        new XDocument(new XElement("testsuites", suite)).Save(path);
    }

    private static string Seconds(TimeSpan duration) => duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
}
