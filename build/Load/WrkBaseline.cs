using System.Globalization;
using System.Text.RegularExpressions;
using Mlstack.Build.Core;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Load;

/// <summary>What wrk measured: its rate, latency percentiles (<c>--latency</c>) and the requests that failed
/// (non-2xx/3xx answers and socket errors), which would otherwise flatter the rate.</summary>
public sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Requests, long Errors);

/// <summary>wrk (Debian's package) against an endpoint: the closed-model maximum our generator is compared to.</summary>
public static partial class WrkBaseline
{
    public static async Task<double> MeasureAsync(Uri url, int connections, TimeSpan duration, BuildLog log, CancellationToken ct) =>
        (await MeasureAsync(url, connections, duration, jsonBody: null, log, ct).ConfigureAwait(false)).RequestsPerSecond;

    /// <param name="jsonBody">When set, wrk POSTs it as application/json (through a temporary Lua script).</param>
    public static async Task<WrkResult> MeasureAsync(Uri url, int connections, TimeSpan duration, string? jsonBody, BuildLog log, CancellationToken ct)
    {
        var script = jsonBody is null ? null : Path.Combine(Path.GetTempPath(), $"mlstack-wrk-{Guid.NewGuid():N}.lua");
        try
        {
            if (script is not null)
                await File.WriteAllTextAsync(script, PostScript(jsonBody!), ct).ConfigureAwait(false);
            ToolResult result;
            try
            {
                result = await RunAsync(url, connections, duration, script, log, ct).ConfigureAwait(false);
            }
            catch (ToolNotFoundException) when (DebianPackages.CanInstall)
            {
                // Printed under "Doctor", as when it went through the Doctor's installer: the same lines as before.
                await DebianPackages.InstallAsync("Doctor", ["wrk"], log, ct).ConfigureAwait(false);
                result = await RunAsync(url, connections, duration, script, log, ct).ConfigureAwait(false);
            }

            return Parse(result) ?? throw new ToolFailedException("wrk", $"wrk did not report a rate: {(result.Output.Count > 0 ? result.Output[^1] : "no output")}",
                result.ExitCode, [.. result.Output.TakeLast(ToolFailedException.KeptLines)]);
        }
        finally
        {
            if (script is not null)
                File.Delete(script);
        }
    }

    // A Lua long string needs no escaping of the JSON inside it.
    private static string PostScript(string body) =>
        $"wrk.method = \"POST\"\nwrk.body = [==[{body}]==]\nwrk.headers[\"Content-Type\"] = \"application/json\"\n";

    private static Task<ToolResult> RunAsync(Uri url, int connections, TimeSpan duration, string? script, BuildLog log, CancellationToken ct) =>
        ToolRunner.RunAsync("wrk", ["-t2", $"-c{connections}", $"-d{(int)duration.TotalSeconds}s", "--latency", .. script is null ? Array.Empty<string>() : ["-s", script], url.ToString()],
            log, Verbosity.Verbose, ct: ct);

    internal static WrkResult? Parse(ToolResult result)
    {
        var rate = RequestsPerSecond().Match(result.Text);
        if (result.ExitCode != 0 || !rate.Success)
            return null;
        var errors = NonSuccess().Matches(result.Text).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            + SocketErrors().Matches(result.Text).Sum(m => Enumerable.Range(1, 4).Sum(g => long.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture)));
        var requests = Total().Match(result.Text);
        return new WrkResult(double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture), Percentile(result.Text, "50"), Percentile(result.Text, "99"),
            requests.Success ? long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture) : 0, errors);
    }

    // wrk prints latencies as e.g. "812.00us", "27.12ms", "1.98s" or "1.02m".
    private static double Percentile(string text, string percent)
    {
        var match = Regex.Match(text, $@"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline, TimeSpan.FromSeconds(1));
        if (!match.Success)
            return double.NaN;
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return value * match.Groups[2].Value switch { "us" => 0.001, "ms" => 1, "s" => 1000, _ => 60_000 };
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"(\d+) requests in ")]
    private static partial Regex Total();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();
}
