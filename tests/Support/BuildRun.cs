using Mlstack.Build.Core;
using Mlstack.Build.Host;

namespace Mlstack.Tests.Support;

internal sealed record RunResult(int ExitCode, string Output)
{
    /// <summary>The status column of the summary row for this target.</summary>
    public string StatusOf(string target) =>
        Output.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .LastOrDefault(cells => cells.Length >= 2 && cells[0] == target)?[1] ?? "(not in summary)";
}

/// <summary>Runs a build in-process, the way Main does, with its own output and environment. Cancelled with the
/// test unless the test passes a token of its own.</summary>
internal static class BuildRun
{
    public static async Task<RunResult> RunAsync<T>(
        T build,
        Func<T, Target> defaultTarget,
        string[] args,
        IReadOnlyDictionary<string, string>? environment = null,
        TempRoot? root = null,
        CancellationToken? ct = null)
        where T : BuildHost
    {
        using var ownRoot = root == null ? new TempRoot() : null;
        var output = new StringWriter();
        var exitCode = await build.RunAsync(
            [.. args, "--root", (root ?? ownRoot)!.Path],
            environment ?? new Dictionary<string, string>(),
            output,
            color: false,
            b => defaultTarget((T)b),
            ct ?? TestContext.Current.CancellationToken);
        return new RunResult(exitCode, output.ToString());
    }
}
