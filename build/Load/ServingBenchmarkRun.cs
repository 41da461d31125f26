using Mlstack.Build.Core;

namespace Mlstack.Build.Load;

/// <summary>ServingBenchmark: wrk against each serving endpoint and nginx's ceiling; serving.md and the floors' verdict.</summary>
public static class ServingBenchmarkRun
{
    /// <param name="apiToken">The env file's API token: training a model first is a write.</param>
    public static async Task RunAsync(Uri stack, int connections, TimeSpan duration, string? apiToken, ReportsFolder reports, BuildLog log, CancellationToken ct)
    {
        using (var http = ModelSetup.Client(new SocketsHttpHandler(), apiToken, disposeHandler: true))
            await ModelSetup.EnsureTrainedAsync(http, stack, log, ct);

        // One endpoint after another, never at once: each gets the machine to itself, as the ceiling does.
        var measured = new List<(ServingEndpoint, WrkResult)>();
        foreach (var endpoint in ServingReport.All)
        {
            log.Info($"ServingBenchmark: wrk -c{connections} -d{duration.TotalSeconds:0}s {(endpoint.Body is null ? "GET" : "POST")} {endpoint.Path}");
            measured.Add((endpoint, await WrkBaseline.MeasureAsync(new Uri(stack, endpoint.Path), connections, duration, endpoint.Body, log, ct)));
        }

        var rows = ServingReport.Rows(measured);
        ServingReport.Print(rows, log);
        Directory.CreateDirectory(reports.Directory);
        await File.WriteAllTextAsync(Path.Combine(reports.Directory, "serving.md"), ServingReport.Markdown(rows, connections, duration), ct);
        var failures = ServingReport.Failures(rows);
        if (failures.Count > 0)
            throw new LoadTestFailedException($"ServingBenchmark: {string.Join("; ", failures)}.");
        log.Success($"ServingBenchmark: every floor met; report in {reports.Shown}/serving.md");
    }
}
