using System.Diagnostics;
using System.Xml.Linq;
using Mlstack.Build.Core;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Testing;

/// <summary>A test run failed, or ran nothing.</summary>
public sealed class TestsFailedException(string message) : BuildFailure(message);

/// <summary>Builds tests/ and runs it (an xunit.v3 program), one process per tier, one tier after another: console
/// output prefixed with the tier, and a JUnit XML per tier (tests-&lt;tier&gt;.xml) that CI can display.</summary>
public static class TestSuite
{
    /// <param name="explicitToo">Also run [Fact(Explicit = true)] tests: the benchmarks kept beside the tests.</param>
    public static async Task RunAsync(string root, string reportsDirectory, IReadOnlyList<TestTier> tiers, string? filter, bool explicitToo, BuildLog log, CancellationToken ct)
    {
        Directory.CreateDirectory(reportsDirectory);
        var project = Path.Combine(root, "tests", "Mlstack.Tests.csproj");
        var compile = await ToolRunner.RunAsync("dotnet", ["build", project, "-nologo", "-tl:off", "-v", "q", "-clp:NoSummary"], log, Verbosity.Verbose, root, ct: ct).ConfigureAwait(false);
        if (compile.ExitCode != 0)
        {
            foreach (var line in compile.Output.Where(l => l.Contains(": error ", StringComparison.Ordinal)).Distinct())
                log.Error(line);
            throw new TestsFailedException("The tests do not compile; fix the errors above.");
        }

        // One tier after another: on 2 cores, the whole stack's FullStackTests beside the system tier's VM stacks failed
        // 2 of 4 runs (a trial's heartbeat missed its grace; a training left queued). Within a tier, classes with VMs
        // of their own still run side by side; CI's workflow runs the tiers as parallel jobs on runners of their own.
        var results = new List<TierResult>();
        foreach (var tier in tiers)
            results.Add(await RunTierAsync(root, reportsDirectory, tier, filter, explicitToo, tiers.Count > 1 ? log.WithPrefix($"[{TestTiers.Name(tier)}] ") : log, ct).ConfigureAwait(false));

        foreach (var r in results)
        {
            log.Info($"{TestTiers.Name(r.Tier)} tier: {Describe(r.Counts)} in {r.Duration.TotalMinutes:0.0} min; JUnit report: {Path.GetRelativePath(root, r.JUnit)}");
            if (r.Counts != null)
                log.StepSummary.Append(JUnitMarkdown.Summarise(r.JUnit, $"Tests ({TestTiers.Name(r.Tier)})"));
        }

        var total = results.Where(r => r.Counts != null).Select(r => r.Counts!.Value)
            .Aggregate((Passed: 0, Failed: 0, Skipped: 0), (a, c) => (a.Passed + c.Passed, a.Failed + c.Failed, a.Skipped + c.Skipped));
        log.WriteAt(Verbosity.Quiet, $"Tests: {total.Passed} passed, {total.Failed} failed, {total.Skipped} skipped", null);
        if (results.FirstOrDefault(r => r.ExitCode != 0 || r.Counts is null or (_, > 0, _)) is { } failed)
            throw new TestsFailedException($"Tests failed in the {TestTiers.Name(failed.Tier)} tier (exit code {failed.ExitCode}); see the output above and {Path.GetRelativePath(root, failed.JUnit)}.");
        if (total.Passed == 0)
            throw new TestsFailedException("No test ran; check --test-filter.");
    }

    private sealed record TierResult(TestTier Tier, int ExitCode, (int Passed, int Failed, int Skipped)? Counts, string JUnit, TimeSpan Duration);

    private static async Task<TierResult> RunTierAsync(string root, string reportsDirectory, TestTier tier, string? filter, bool explicitToo, BuildLog log, CancellationToken ct)
    {
        var junit = Path.Combine(reportsDirectory, $"tests-{TestTiers.Name(tier)}.xml");
        File.Delete(junit);
        List<string> arguments = [Path.Combine(root, "tests", "bin", "Debug", "net10.0", "Mlstack.Tests.dll"), "-noColor", "-noLogo", "-result-junit", junit, .. TestTiers.Filter(tier)];
        if (!string.IsNullOrWhiteSpace(filter))
            arguments.AddRange(["-class", $"*{filter}*"]);
        if (explicitToo)
            arguments.AddRange(["-explicit", "on"]);
        // The system tier's long classes wait on VMs of their own, mostly on health gates and SSH: two chains side by
        // side (DeployTests then ClusterDeployTests; VmBackupTests then OffsiteBackupTests: tests/Support/EngineCollection.cs),
        // the small VM classes beside whichever ends first, EdgeRolloutTests alone at the end. Three at once were
        // CPU-bound on 2 cores and broke DeployTests' 2 s probe (2026-12-06, two of three runs). The integration tier
        // keeps the default, 2 threads: it mostly waits.
        if (tier == TestTier.System)
            arguments.AddRange(["-maxThreads", "2"]);
        var environment = tier == TestTier.Unit ? new Dictionary<string, string> { ["DOCKER_HOST"] = TestTiers.NoEngine } : null;
        var clock = Stopwatch.StartNew();
        var result = await ToolRunner.RunAsync("dotnet", arguments, log, Verbosity.Minimal, root, environment, ct).ConfigureAwait(false);
        return new TierResult(tier, result.ExitCode, File.Exists(junit) ? Count(junit) : null, junit, clock.Elapsed);
    }

    private static string Describe((int Passed, int Failed, int Skipped)? counts) =>
        counts is var (passed, failed, skipped) ? $"{passed} passed, {failed} failed, {skipped} skipped" : "no report";

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
