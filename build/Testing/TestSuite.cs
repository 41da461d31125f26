using System.Xml.Linq;
using Mlstack.Build.Host;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Testing;

/// <summary>Builds tests/ and runs it (an xunit.v3 program): console output, and JUnit XML that CI can display.</summary>
public static class TestSuite
{
    /// <param name="explicitToo">Also run [Fact(Explicit = true)] tests: the benchmarks kept beside the tests.</param>
    public static async Task RunAsync(string root, string reportsDirectory, string? filter, bool explicitToo, BuildLog log, CancellationToken ct)
    {
        Directory.CreateDirectory(reportsDirectory);
        var project = Path.Combine(root, "tests", "Mlstack.Tests.csproj");
        var junit = Path.Combine(reportsDirectory, "tests.xml");
        File.Delete(junit);
        var compile = await ToolRunner.RunAsync("dotnet", ["build", project, "-nologo", "-tl:off", "-v", "q", "-clp:NoSummary"], log, Verbosity.Verbose, root, ct: ct).ConfigureAwait(false);
        if (compile.ExitCode != 0)
        {
            foreach (var line in compile.Output.Where(l => l.Contains(": error ", StringComparison.Ordinal)).Distinct())
                log.Error(line);
            throw new InvalidOperationException("The tests do not compile; fix the errors above.");
        }

        List<string> arguments = [Path.Combine(root, "tests", "bin", "Debug", "net10.0", "Mlstack.Tests.dll"), "-noColor", "-noLogo", "-result-junit", junit];
        if (!string.IsNullOrWhiteSpace(filter))
            arguments.AddRange(["-class", $"*{filter}*"]);
        if (explicitToo)
            arguments.AddRange(["-explicit", "on"]);
        var result = await ToolRunner.RunAsync("dotnet", arguments, log, Verbosity.Minimal, root, ct: ct).ConfigureAwait(false);

        (int Passed, int Failed, int Skipped)? counts = File.Exists(junit) ? Count(junit) : null;
        if (counts is var (passed, failed, skipped))
            log.WriteAt(Verbosity.Quiet, $"Tests: {passed} passed, {failed} failed, {skipped} skipped", null);
        log.Info($"JUnit report: {Path.GetRelativePath(root, junit)}");
        if (counts != null)
            log.StepSummary.Append(JUnitMarkdown.Summarise(junit, "Tests"));
        if (result.ExitCode != 0 || counts is null or (_, > 0, _))
            throw new InvalidOperationException($"Tests failed (exit code {result.ExitCode}); see the output above and {Path.GetRelativePath(root, junit)}.");
        if (counts is (0, _, _))
            throw new InvalidOperationException("No test ran; check --test-filter.");
    }

    private static (int Passed, int Failed, int Skipped) Count(string junit)
    {
        var suites = XDocument.Load(junit).Descendants("testsuite").ToList();
        int Sum(string name) => suites.Sum(s => (int?)s.Attribute(name) ?? 0);
        var total = Sum("tests");
        var failed = Sum("failures") + Sum("errors");
        var skipped = Sum("skipped");
        var notRun = Sum("disabled"); // explicit tests (benchmarks) left out of this run: neither passed nor skipped
        return (total - failed - skipped - notRun, failed, skipped);
    }
}
