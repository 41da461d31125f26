using System.Diagnostics;

namespace Mlstack.Tests.Support;

/// <summary>A daemon a fixture starts and stops by its own pid, never by name. Its output goes to a log file, so
/// nothing holds the test runner's pipes open (CI waits for them to close); <c>exec</c> keeps the pid we started
/// as the daemon's pid through nsenter and unshare.</summary>
internal sealed class DaemonProcess : IDisposable
{
    private readonly Process _process;

    private DaemonProcess(Process process, string logPath)
    {
        _process = process;
        LogPath = logPath;
    }

    public int Pid => _process.Id;
    public string LogPath { get; }
    public bool HasExited => _process.HasExited;

    public static DaemonProcess Start(string logPath, params string[] command) => Start(logPath, new Dictionary<string, string>(), command);

    /// <param name="environment">Added to the daemon's environment (a secret given this way never shows in ps).</param>
    public static DaemonProcess Start(string logPath, IReadOnlyDictionary<string, string> environment, params string[] command)
    {
        var start = new ProcessStartInfo("sh") { UseShellExecute = false };
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        foreach (var argument in new[] { "-c", "exec \"$@\" >\"$0\" 2>&1 </dev/null", logPath }.Concat(command))
            start.ArgumentList.Add(argument);
        return new DaemonProcess(Process.Start(start)!, logPath);
    }

    public string LogTail(int lines = 15) =>
        File.Exists(LogPath) ? string.Join('\n', File.ReadAllLines(LogPath).TakeLast(lines)) : "(no log)";

    /// <summary>SIGTERM, a grace period, then SIGKILL; returns once the process has exited and been reaped.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
            return;
        await ChildProcess.RunAsync("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        using var limit = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public void Dispose() => _process.Dispose();
}
