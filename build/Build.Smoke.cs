using Mlstack.Build.Doctor;
using Mlstack.Build.Core;
using Mlstack.Build.Engine;
using Mlstack.Build.Host;
using Mlstack.Build.Smoke;
using Mlstack.Build.Stack;

namespace Mlstack.Build;

internal sealed partial class Build
{
    [Parameter("Where the stack answers HTTP, i.e. the frontend (default: http://127.0.0.1:<FRONTEND_PORT, else 8080>)")]
    private readonly string? StackUrl;

    [Parameter("SmokeTest: leave out the slow train → predict flow")]
    private readonly bool Fast;

    Target SmokeTest => _ => _
        .Description("Proves every service works: typed checks per service, in parallel; table and JUnit XML in .nuke/temp/reports")
        .DependsOn(StackConfig)
        .After(Up)
        .Executes(async ct =>
        {
            if (ClusterInventoryFile != null)
            {
                await ClusterSmokeTestAsync(ct);
                return;
            }

            var services = (await StackModelAsync(ct)).Services.Select(s => s.Name).ToList();
            var (url, tls) = LocalSmokeTarget();
            await SmokeAsync(await LocalEngineAsync(ct), url, services, ct, tls: tls);
        });

    /// <summary>The smoke checks against a stack: HTTP to <paramref name="url"/>, everything inside through
    /// <paramref name="engine"/> (this machine's, or a VM's over SSH). Takes ownership of the engine client.</summary>
    /// <param name="project">Another compose project than the stack's (a backup's scratch stack), with the
    /// <paramref name="checks"/> its services allow.</param>
    /// <param name="handler">How HTTP reaches <paramref name="url"/> (through an SSH forward: one connection at a time).</param>
    /// <param name="tls">The edge serves HTTPS at <paramref name="url"/> with this certificate (it is checked too).</param>
    private async Task SmokeAsync(Docker.DotNet.DockerClient engine, Uri url, IReadOnlyList<string> services, CancellationToken ct, string? project = null, IReadOnlyList<SmokeCheck>? checks = null, HttpMessageHandler? handler = null, EdgeTlsExpectation? tls = null) =>
        await SmokeRun.RunAsync(new ComposeServiceContainers(engine, project ?? ProjectName), services, new SmokeRunOptions(
            url, project, checks ?? [.. StackSmokeChecks.All().Where(c => !Fast || !c.IsSlow)], ScaleToZeroTiers(),
            ReportsDirectory, RootDirectory, handler, EnvApiToken(), tls, ProjectName), Log, ct);

    /// <summary>The env file's API_TOKEN (the environment's wins), which ml-service accepts as the token "env".</summary>
    private string? EnvApiToken() => ProductionSecrets.Effective(StackEnvFilePath()).GetValueOrDefault("API_TOKEN");

    /// <param name="https">The edge serves HTTPS: its port defaults to 443.</param>
    private Uri StackAddress(bool https = false)
    {
        if (StackUrl != null)
            return Uri.TryCreate(StackUrl, UriKind.Absolute, out var given) ? given : throw new BuildInputException($"--stack-url {StackUrl}: not an absolute URL; use e.g. http://10.0.0.5:8080.");
        var port = ProductionSecrets.Effective(StackEnvFilePath()).GetValueOrDefault("FRONTEND_PORT")
            ?? System.Environment.GetEnvironmentVariable("FRONTEND_PORT") ?? (https ? "443" : "8080");
        return new Uri($"http://127.0.0.1:{port}");
    }
}
