using System.Diagnostics;
using Mlstack.Build.Core;

namespace Mlstack.Build.Tooling;

public sealed record ToolResult(int ExitCode, IReadOnlyList<string> Output)
{
    public string Text => string.Join('\n', Output);
}

/// <summary>Runs an external tool. Its output passes through the build log, so secrets are masked there too;
/// cancelling the token kills the whole process tree.</summary>
public static class ToolRunner
{
    /// <param name="echo">The verbosity from which the tool's lines are printed as they come.</param>
    public static async Task<ToolResult> RunAsync(
        string file,
        IEnumerable<string> arguments,
        BuildLog log,
        Verbosity echo = Verbosity.Normal,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken ct = default)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;

        log.Debug($"> {file} {string.Join(' ', start.ArgumentList)}");
        using var process = new Process { StartInfo = start };
        var output = new List<string>();
        void Collect(string? line)
        {
            if (line == null)
                return;
            lock (output)
                output.Add(line);
            log.WriteAt(echo, line, null);
        }

        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ToolNotFoundException(file, e);
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        process.WaitForExit(); // drains the asynchronous readers
        lock (output)
            return new ToolResult(process.ExitCode, [.. output]);
    }

    /// <summary>Whether a program of this name is on PATH (or in the sbin folders, which root's PATH may lack).</summary>
    public static bool IsOnPath(string name) => File.Exists(Resolve(name));

    /// <summary>The file a program name runs: the first match on PATH (then the sbin folders), else the name itself.</summary>
    public static string Resolve(string name) =>
        name.Contains('/', StringComparison.Ordinal)
            ? name
            : (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin")
                .Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Concat(["/usr/sbin", "/usr/bin", "/sbin"])
                .Select(dir => Path.Combine(dir, name))
                .FirstOrDefault(File.Exists) ?? name;

    /// <summary>Runs the tool and fails with its last output lines when it exits non-zero.</summary>
    public static async Task<ToolResult> RunCheckedAsync(string file, IEnumerable<string> arguments, BuildLog log, Verbosity echo = Verbosity.Normal, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null, CancellationToken ct = default)
    {
        var result = await RunAsync(file, arguments, log, echo, workingDirectory, environment, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            var tail = string.Join(" | ", result.Output.TakeLast(5));
            throw new ToolFailedException(file, $"{Path.GetFileName(file)} exited with code {result.ExitCode}: {tail}", result.ExitCode, [.. result.Output.TakeLast(ToolFailedException.KeptLines)]);
        }

        return result;
    }
}
