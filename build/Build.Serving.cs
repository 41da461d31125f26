using Mlstack.Build.Host;
using Mlstack.Build.Load;

namespace Mlstack.Build;

internal sealed partial class Build
{
    Target ServingBenchmark => _ => _
        .Description("wrk through the frontend: POST /api/predict, GET /api/health and nginx's /healthz as the ceiling; serving.md in .nuke/temp/reports")
        .After(Up)
        .Executes(async ct => await ServingBenchmarkRun.RunAsync(StackAddress(), MaxInFlight, LoadDuration, EnvApiToken(), Reports, Log, ct));
}
