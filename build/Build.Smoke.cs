using System.Diagnostics;
using Mlstack.Build.Doctor;
using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Smoke;
using Mlstack.Build.Stack;
using Mlstack.Build.Testing;

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
            var services = (await StackModelAsync(ct)).Services.Select(s => s.Name).ToList();
            await SmokeAsync(await LocalEngineAsync(ct), StackAddress(), services, ct);
        });

    /// <summary>The smoke checks against a stack: HTTP to <paramref name="url"/>, everything inside through
    /// <paramref name="engine"/> (this machine's, or a VM's over SSH). Takes ownership of the engine client.</summary>
    /// <param name="project">Another compose project than the stack's (a backup's scratch stack), with the
    /// <paramref name="checks"/> its services allow.</param>
    /// <param name="handler">How HTTP reaches <paramref name="url"/> (through an SSH forward: one connection at a time).</param>
    private async Task SmokeAsync(Docker.DotNet.DockerClient engine, Uri url, IReadOnlyList<string> services, CancellationToken ct, string? project = null, IReadOnlyList<SmokeCheck>? checks = null, HttpMessageHandler? handler = null)
    {
        var clock = Stopwatch.StartNew();
        using var http = new HttpClient(handler ?? new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };
        using var exec = new ContainerExec(engine, project ?? ProjectName);
        checks ??= [.. StackSmokeChecks.All().Where(c => !Fast || !c.IsSlow)];
        var outcomes = await SmokeRunner.RunAsync(checks, services, new SmokeContext(http, url, exec) { ScaleToZero = ScaleToZeroTiers() }, ct);

        SmokeReport.Print(outcomes, Log);
        var junit = Path.Combine(ReportsDirectory, project == null ? "smoke.xml" : $"smoke-{project}.xml");
        SmokeReport.WriteJUnit(outcomes, junit, Log.Masker.Mask);
        Log.StepSummary.Append(JUnitMarkdown.Summarise(junit, "SmokeTest"));
        var failed = outcomes.Where(o => o.Result == CheckResult.Failed).ToList();
        if (failed.Count > 0)
        {
            await PrintLogTailsAsync(exec, [.. failed.Select(f => f.Check.Service).Distinct()], ct);
            throw new SmokeFailedException($"{failed.Count} of {outcomes.Count} smoke checks failed{(project != null ? $" in {project}" : "")}, for {string.Join(", ", failed.Select(f => f.Check.Service).Distinct())}; report: {Path.GetRelativePath(RootDirectory, junit)}");
        }

        Log.Success($"SmokeTest: {outcomes.Count} checks passed in {clock.Elapsed.TotalSeconds:0.00}s against {project ?? url.ToString()}");
    }

    /// <summary>What a failing service said last: the reason is often in its own log (a look that failed, a
    /// connection refused), one command away from the table.</summary>
    private async Task PrintLogTailsAsync(ContainerExec exec, IReadOnlyList<string> services, CancellationToken ct)
    {
        const int lines = 10;
        foreach (var service in services)
        {
            var tail = await exec.TailAsync(service, lines, ct);
            if (tail.Count == 0)
                continue;
            Log.Error($"{service}: its last {tail.Count} log lines:");
            foreach (var line in tail)
                Log.Error($"  {service} | {line}");
        }
    }

    private Uri StackAddress()
    {
        if (StackUrl != null)
            return Uri.TryCreate(StackUrl, UriKind.Absolute, out var given) ? given : throw new BuildInputException($"--stack-url {StackUrl}: not an absolute URL; use e.g. http://10.0.0.5:8080.");
        var port = ProductionSecrets.Effective(StackEnvFilePath()).GetValueOrDefault("FRONTEND_PORT")
            ?? System.Environment.GetEnvironmentVariable("FRONTEND_PORT") ?? "8080";
        return new Uri($"http://127.0.0.1:{port}");
    }
}
