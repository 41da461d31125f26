using Mlstack.Build.Host;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Testing;

/// <summary>Runs tests/ with dotnet test: a console summary, and JUnit XML that CI can display.</summary>
public static class TestSuite
{
    public static async Task RunAsync(string root, string reportsDirectory, string? filter, BuildLog log, CancellationToken ct)
    {
        Directory.CreateDirectory(reportsDirectory);
        var junit = Path.Combine(reportsDirectory, "tests.xml");
        List<string> arguments =
        [
            "test", Path.Combine(root, "tests", "Mlstack.Tests.csproj"),
            "--nologo",
            "--logger", "console;verbosity=normal",
            "--logger", $"junit;LogFilePath={junit};MethodFormat=Class;FailureBodyFormat=Verbose",
        ];
        if (!string.IsNullOrWhiteSpace(filter))
            arguments.AddRange(["--filter", filter]);
        var result = await ToolRunner.RunAsync("dotnet", arguments, log, Verbosity.Minimal, root, ct: ct).ConfigureAwait(false);
        log.Info($"JUnit report: {Path.GetRelativePath(root, junit)}");
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"Tests failed (dotnet test exited with code {result.ExitCode}); see the output above and {Path.GetRelativePath(root, junit)}.");
    }
}
