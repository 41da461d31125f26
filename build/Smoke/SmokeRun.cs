using System.Diagnostics;
using Mlstack.Build.Core;
using Mlstack.Build.Engine;
using Mlstack.Build.Stack;
using Mlstack.Build.Testing;

namespace Mlstack.Build.Smoke;

/// <summary>What one smoke run is pointed at. <see cref="ScratchProject"/> is another compose project than the stack's
/// (a backup's scratch stack): its report is named after it, and so are its messages. <see cref="StackProject"/> is the
/// stack's own project: when it is not the default, its report is named after it too, so two stacks on one machine (a
/// second copy under --project-name) never overwrite each other's report.</summary>
/// <param name="Handler">How HTTP reaches <see cref="Url"/> (through an SSH forward: one connection at a time); null: directly.</param>
/// <param name="ApiToken">The env file's API_TOKEN, sent with every request but the anonymous check's (writes need it).</param>
/// <param name="Tls">The edge serves HTTPS at <see cref="Url"/> with this certificate: the checks' client trusts it, and
/// <see cref="EdgeCertificateCheck"/> judges it. Null: plain HTTP, or HTTPS trusted as the system trusts it.</param>
public sealed record SmokeRunOptions(
    Uri Url, string? ScratchProject, IReadOnlyList<SmokeCheck> Checks, IReadOnlySet<string> ScaleToZero,
    string ReportsDirectory, string RootDirectory, HttpMessageHandler? Handler = null, string? ApiToken = null, EdgeTlsExpectation? Tls = null,
    string? StackProject = null);

/// <summary>The smoke checks against a stack: HTTP to its URL, everything inside through the engine that runs each
/// service (this machine's, a VM's over SSH, a swarm node's); the table, the JUnit report, and on failure the failing
/// services' last log lines.</summary>
public static class SmokeRun
{
    /// <summary>Takes ownership of <paramref name="containers"/>.</summary>
    public static async Task RunAsync(IServiceContainers containers, IReadOnlyList<string> services, SmokeRunOptions options, BuildLog log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var handler = options.Handler ?? Direct(options.Tls);
        using var http = new HttpClient(handler, disposeHandler: options.Handler == null) { Timeout = TimeSpan.FromSeconds(30) };
        using var anonymous = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(30) };
        if (!string.IsNullOrEmpty(options.ApiToken))
            http.DefaultRequestHeaders.Authorization = new("Bearer", options.ApiToken);
        using var exec = new ContainerExec(containers);
        var checks = options.Tls == null ? options.Checks : [.. options.Checks, new EdgeCertificateCheck(SmokeContext.Entry, options.Tls)];
        var context = new SmokeContext(http, options.Url, exec) { ScaleToZero = options.ScaleToZero, Anonymous = anonymous };
        var outcomes = await SmokeRunner.RunAsync(checks, services, context, ct);

        SmokeReport.Print(outcomes, log);
        foreach (var warning in context.Warnings)
            log.Warn($"WARNING: {warning}");
        var junit = JUnitFile(options.ReportsDirectory, options.ScratchProject ?? options.StackProject);
        SmokeReport.WriteJUnit(outcomes, junit, log.Masker.Mask);
        log.StepSummary.Append(JUnitMarkdown.Summarise(junit, "SmokeTest"));
        var failed = outcomes.Where(o => o.Result == CheckResult.Failed).ToList();
        if (failed.Count > 0)
        {
            await PrintLogTailsAsync(exec, [.. failed.Select(f => f.Check.Service).Distinct()], log, ct);
            throw new SmokeFailedException($"{failed.Count} of {outcomes.Count} smoke checks failed{(options.ScratchProject != null ? $" in {options.ScratchProject}" : "")}, for {string.Join(", ", failed.Select(f => f.Check.Service).Distinct())}; report: {Path.GetRelativePath(options.RootDirectory, junit)}");
        }

        log.Success($"SmokeTest: {outcomes.Count} checks passed in {clock.Elapsed.TotalSeconds:0.00}s against {options.ScratchProject ?? options.Url.ToString()}");
    }

    /// <summary>The checks' own connections; with HTTPS at the edge, trusting the certificate it was given.</summary>
    private static SocketsHttpHandler Direct(EdgeTlsExpectation? tls) =>
        tls == null ? new SocketsHttpHandler() : new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, certificate, _, _) => tls.IsServed(certificate) },
        };

    /// <summary>The default project's report is smoke.xml; any other project's (a scratch stack, a second copy of the
    /// stack) sits beside it rather than overwriting it.</summary>
    public static string JUnitFile(string reportsDirectory, string? project) =>
        Path.Combine(reportsDirectory, project is null or ComposeProject.DefaultName ? "smoke.xml" : $"smoke-{project}.xml");

    /// <summary>What a failing service said last: the reason is often in its own log (a look that failed, a
    /// connection refused), one command away from the table.</summary>
    private static async Task PrintLogTailsAsync(ContainerExec exec, IReadOnlyList<string> services, BuildLog log, CancellationToken ct)
    {
        const int lines = 10;
        foreach (var service in services)
        {
            var tail = await exec.TailAsync(service, lines, ct);
            if (tail.Count == 0)
                continue;
            log.Error($"{service}: its last {tail.Count} log lines:");
            foreach (var line in tail)
                log.Error($"  {service} | {line}");
        }
    }
}
