using Mlstack.Build.Backup;
using Mlstack.Build.Doctor;
using Mlstack.Build.Gates;
using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Images;
using Mlstack.Build.Stack;
using Mlstack.Build.Tooling;

namespace Mlstack.Build;

internal sealed partial class Build
{
    [Parameter("Which environment's override and checks apply (default: prod for Deploy, Rollback and anything with --host or --cluster, else dev)", Name = "Environment")]
    private readonly StackEnvironment? StackEnvironmentOption;

    /// <summary>A release, and anything done to the VM it runs on, is production unless told otherwise; everything
    /// else defaults to development.</summary>
    private StackEnvironment StackEnvironmentName =>
        StackEnvironmentOption ?? (StackOnVm || ClusterInventoryFile != null || InvokedTargetNames.Any(t => t is "Deploy" or "Rollback") ? StackEnvironment.Prod : StackEnvironment.Dev);

    [Parameter("Compose project name: a second copy of the stack (e.g. for tests) runs beside the first under another name")]
    private readonly string ProjectName = ComposeProject.DefaultName;

    [Parameter("The stack's env file (default: stack/.env, else for dev stack/.env.example)", Name = "EnvFile")]
    private readonly string? StackEnvFile;

    /// <summary>The env file's text in one value: how a CI secret hands the production settings over.</summary>
    [Parameter("The stack's env file itself, as text (for CI: one secret holding stack/.env); used when --env-file is not given"), Secret]
    private readonly string? StackEnv;

    [Parameter("Time limit for every service to become ready (default: from its healthcheck: start_period + retries × interval + timeout + 15s)")]
    private readonly TimeSpan? ServiceTimeout;

    [Parameter("Down: also delete the stack's data volumes (needs --yes)")]
    private readonly bool RemoveVolumes;

    [Parameter("Confirm a destructive step")]
    private readonly bool Yes;

    [Parameter("Logs: only these services")]
    private readonly string[] Service = [];

    [Parameter("Logs: keep following")]
    private readonly bool Follow;

    [Parameter("Logs: lines per service")]
    private readonly int Tail = 100;

    Target StackConfig => _ => _
        .Description("Checks the compose files (YAML, references) and, for prod, that no password is empty or a default")
        .DependsOn(Doctor)
        .Executes(async ct =>
        {
            var model = await StackModelAsync(ct);
            var project = await StackProjectAsync(ct);
            Log.Info($"StackConfig: {model.Services.Count} services, environment {StackEnvironmentName.ToString().ToLowerInvariant()}, env file {Path.GetRelativePath(RootDirectory, project.EnvFile)}");
        });

    Target Up => _ => _
        .Description("Starts the stack (compose up) behind health gates that fail fast and show why; changes nothing when nothing changed")
        .DependsOn(StackConfig, Images)
        .Executes(async ct =>
        {
            var edgeTls = PrepareLocalEdgeTls(); // prod refuses here without HTTPS
            var (project, model, images) = (await StackProjectAsync(ct), await StackModelAsync(ct), await StackImagesAsync(ct));
            var imageIds = ComposeImages.IdsByService(images);
            var environment = await UpEnvironmentAsync(ct);
            var record = Path.Combine(TemporaryDirectory, "up", $"{project.Name}.json");
            using var engine = await StackEngineAsync(ct);
            await StackUp.RunAsync(model, engine, LocalCompose.For(project, Log, environment), new UpOptions(imageIds, record, ServiceTimeout, Live: !Console.IsOutputRedirected, ScaleToZeroTiers(), EdgeRoutesFolder.Hash(project.Directory) + edgeTls), Log, ct);
        });

    Target Down => _ => _
        .Description("Stops and removes the stack's containers; keeps volumes unless --remove-volumes --yes")
        .DependsOn(Doctor)
        .Executes(async ct =>
        {
            StackDown.Confirm(RemoveVolumes, Yes);
            var project = await StackProjectAsync(ct);
            await StackDown.RunAsync(project, RemoveVolumes, ComposeEnvironment(), async () =>
            {
                using var engine = new BackupEngine(await LocalEngineAsync(ct));
                await engine.RemoveVolumeAsync(StackBackup.CacheVolume(project.Name));
            }, Log, ct);
        });

    Target Status => _ => _
        .Description("Shows each service: state, health, ports, image tag, uptime; then the alerts firing (with --host: the VM's stack; with --cluster: the swarm's nodes and services)")
        .DependsOn(Doctor)
        .Executes(async ct =>
        {
            if (ClusterInventoryFile != null)
            {
                await ClusterStatusAsync(ct);
                return;
            }

            await using var site = await StackSiteAsync(ct);
            using var engine = new Gates.StackEngine(site.OpenEngine(), ProjectName);
            await StackStatus.PrintAsync(engine, Log, ct);
            await PrintAlertsAsync(site, engine, ct);
        });

    /// <summary>The alerts Prometheus holds, read through the site (from a VM over an SSH tunnel). Status still shows
    /// the services when Prometheus does not answer: it says so instead.</summary>
    private async Task PrintAlertsAsync(Site.IStackSite site, Gates.StackEngine engine, CancellationToken ct)
    {
        var prometheus = (await engine.ListAsync(ct)).FirstOrDefault(c => Engine.ComposeLabels.ServiceOf(c) == "prometheus" && c.State == "running");
        var address = prometheus?.NetworkSettings?.Networks?.Values.Select(n => n.IPAddress).FirstOrDefault(a => !string.IsNullOrEmpty(a));
        if (address == null)
        {
            Log.Warn("Alerts: Prometheus is not running, so no alert is evaluated or sent; ./build.sh Up starts it.");
            return;
        }

        using var reach = site.Reach(address, StackAlerts.PrometheusPort);
        using var http = reach.Handler == null ? new HttpClient() : new HttpClient(reach.Handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(15);
        try
        {
            var (alerts, integrations) = await StackAlerts.ReadAsync(http, reach.Url, ct);
            foreach (var line in StackAlerts.Lines(alerts, integrations, DateTimeOffset.UtcNow))
                Log.Report(line);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or FormatException or System.Text.Json.JsonException)
        {
            Log.Warn($"Alerts: Prometheus at {site.Locate(address)}:{StackAlerts.PrometheusPort} did not answer ({e.Message}); ./build.sh Logs --service prometheus");
        }
    }

    Target Logs => _ => _
        .Description("Prints the services' logs (--service, --tail, --follow)")
        .DependsOn(Doctor)
        .Executes(async ct =>
        {
            var project = await StackProjectAsync(ct);
            await ToolRunner.RunCheckedAsync(project.Cli.File, project.Arguments(StackLogs.Command(Tail, Follow, Service)), Log, Verbosity.Quiet, project.Directory, ComposeEnvironment(), ct);
        });

    /// <summary>What compose interpolates for Up: the base image and each image's content tag.</summary>
    private async Task<Dictionary<string, string>> UpEnvironmentAsync(CancellationToken ct)
    {
        var environment = ComposeEnvironment();
        if ((await DockerAsync(ct)).Engine is { Scheme: "unix" } socket)
            environment["DOCKER_SOCKET"] = socket.LocalPath; // the scaler's way to the engine the stack runs on
        foreach (var (variable, reference) in ComposeImages.Variables(await StackImagesAsync(ct)))
            environment[variable] = reference;
        return environment;
    }

    private async Task<StackEngine> StackEngineAsync(CancellationToken ct, string? project = null) =>
        new(await LocalEngineAsync(ct), project ?? ProjectName);
}
