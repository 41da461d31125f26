using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Load;

namespace Mlstack.Build;

internal sealed partial class Build
{
    Target ServingBenchmark => _ => _
        .Description("wrk through the frontend: POST /api/predict, GET /api/health and nginx's /healthz as the ceiling; serving.md in .nuke/temp/reports")
        .After(Up)
        .Executes(async ct =>
        {
            var stack = StackAddress();
            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
                await ModelSetup.EnsureTrainedAsync(http, stack, Log, ct);

            // One endpoint after another, never at once: each gets the machine to itself, as the ceiling does.
            var measured = new List<(ServingEndpoint, WrkResult)>();
            foreach (var endpoint in ServingReport.All)
            {
                Log.Info($"ServingBenchmark: wrk -c{MaxInFlight} -d{LoadDuration.TotalSeconds:0}s {(endpoint.Body is null ? "GET" : "POST")} {endpoint.Path}");
                measured.Add((endpoint, await WrkBaseline.MeasureAsync(new Uri(stack, endpoint.Path), MaxInFlight, LoadDuration, endpoint.Body, Log, ct)));
            }

            var rows = ServingReport.Rows(measured);
            ServingReport.Print(rows, Log);
            Directory.CreateDirectory(ReportsDirectory);
            await File.WriteAllTextAsync(Path.Combine(ReportsDirectory, "serving.md"), ServingReport.Markdown(rows, MaxInFlight, LoadDuration), ct);
            var failures = ServingReport.Failures(rows);
            if (failures.Count > 0)
                throw new LoadTestFailedException($"ServingBenchmark: {string.Join("; ", failures)}.");
            Log.Success($"ServingBenchmark: every floor met; report in {Path.GetRelativePath(RootDirectory, ReportsDirectory)}/serving.md");
        });
}
