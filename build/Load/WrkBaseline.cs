using System.Globalization;
using System.Text.RegularExpressions;
using Mlstack.Build.Doctor;
using Mlstack.Build.Host;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Load;

/// <summary>wrk (Debian's package) against an endpoint: the closed-model maximum our generator is compared to.</summary>
public static partial class WrkBaseline
{
    public static async Task<double> MeasureAsync(Uri url, int connections, TimeSpan duration, BuildLog log, CancellationToken ct)
    {
        ToolResult result;
        try
        {
            result = await RunAsync(url, connections, duration, log, ct).ConfigureAwait(false);
        }
        catch (InvalidOperationException) when (EngineInstaller.CanInstall)
        {
            await EngineInstaller.InstallPackagesAsync(["wrk"], log, ct).ConfigureAwait(false);
            result = await RunAsync(url, connections, duration, log, ct).ConfigureAwait(false);
        }

        var match = RequestsPerSecond().Match(result.Text);
        return result.ExitCode == 0 && match.Success
            ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"wrk did not report a rate: {(result.Output.Count > 0 ? result.Output[^1] : "no output")}");
    }

    private static Task<ToolResult> RunAsync(Uri url, int connections, TimeSpan duration, BuildLog log, CancellationToken ct) =>
        ToolRunner.RunAsync("wrk", ["-t2", $"-c{connections}", $"-d{(int)duration.TotalSeconds}s", url.ToString()], log, Verbosity.Verbose, ct: ct);

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();
}
