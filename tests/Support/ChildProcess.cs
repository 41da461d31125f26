using System.Diagnostics;

namespace Mlstack.Tests.Support;

internal sealed record ProcessResult(int ExitCode, string Output);

/// <summary>Runs a real program (./build.sh, docker) and captures what it printed, stdout and stderr together.</summary>
internal static class ChildProcess
{
    private static readonly string[] GitHubActionsVariables = ["GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH"];

    public static async Task<ProcessResult> RunAsync(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepositoryRoot.Path,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["NO_COLOR"] = "1";
        // When the suite itself runs on GitHub Actions, a child build must not speak to the runner (groups, masks)
        // nor write into the real step summary: tests that want that pass these variables themselves.
        foreach (var variable in GitHubActionsVariables)
            start.Environment.Remove(variable);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value == null)
                start.Environment.Remove(key);
            else
                start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // What it printed until then says where it stopped (a 20-minute Deploy once timed out with no clue).
            process.Kill(entireProcessTree: true);
            var printed = await stdout.WaitAsync(TimeSpan.FromSeconds(10)) + await stderr.WaitAsync(TimeSpan.FromSeconds(10));
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time. It printed:\n{printed}");
        }

        return new ProcessResult(process.ExitCode, await stdout + await stderr);
    }
}
