using System.Diagnostics;

namespace Mlstack.Build.Smoke;

public enum CheckResult
{
    Passed,
    Failed,
}

public sealed record CheckOutcome(SmokeCheck Check, CheckResult Result, TimeSpan Duration, string? Expected = null, string? Got = null);

/// <summary>Runs checks in parallel, each under its own timeout — the probes first, then the flows — and fails a
/// service that has no check at all.</summary>
public static class SmokeRunner
{
    public static async Task<IReadOnlyList<CheckOutcome>> RunAsync(IReadOnlyList<SmokeCheck> checks, IReadOnlyList<string> services, SmokeContext context, CancellationToken ct)
    {
        var uncovered = services.Where(s => checks.All(c => c.Service != s))
            .Select(s => new CheckOutcome(new MissingCheck(s), CheckResult.Failed, TimeSpan.Zero, $"at least one smoke check", $"no smoke check for {s}"));
        context.Python.Plan(checks);
        var probes = await Task.WhenAll(checks.Where(c => !c.IsFlow).Select(check => RunOneAsync(check, context, ct))).ConfigureAwait(false);
        var flows = await Task.WhenAll(checks.Where(c => c.IsFlow).Select(check => RunOneAsync(check, context, ct))).ConfigureAwait(false);
        return [.. probes, .. flows, .. uncovered];
    }

    /// <summary>The checks a stack running only <paramref name="services"/> can run: each needs every container it
    /// goes through (a data-only stack has no ml-service to run its S3 check from).</summary>
    public static IReadOnlyList<SmokeCheck> RunnableIn(IEnumerable<SmokeCheck> checks, IReadOnlyCollection<string> services) =>
        [.. checks.Where(c => c.Needs.All(services.Contains))];

    private static async Task<CheckOutcome> RunOneAsync(SmokeCheck check, SmokeContext context, CancellationToken ct)
    {
        await Task.Yield();
        var clock = Stopwatch.StartNew();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(check.Timeout);
        try
        {
            await check.RunAsync(context, limit.Token).ConfigureAwait(false);
            return new CheckOutcome(check, CheckResult.Passed, clock.Elapsed);
        }
        catch (CheckFailedException e)
        {
            return new CheckOutcome(check, CheckResult.Failed, clock.Elapsed, e.Expected, e.Got);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new CheckOutcome(check, CheckResult.Failed, clock.Elapsed, $"an answer within {check.Timeout.TotalSeconds:0.#}s", "timed out");
        }
        // InvalidOperationException is the libraries': System.Text.Json's JsonElement accessors on an answer of the
        // wrong shape, HttpClient, Docker.DotNet's stream client.
        catch (Exception e) when (e is HttpRequestException or NoRunningContainerException or InvalidOperationException or IOException
            or System.Text.Json.JsonException or Docker.DotNet.DockerApiException)
        {
            return new CheckOutcome(check, CheckResult.Failed, clock.Elapsed, "the check to run", e.GetBaseException().Message);
        }
    }

    private sealed record MissingCheck(string Service) : SmokeCheck(Service, "(no check)")
    {
        public override Task RunAsync(SmokeContext context, CancellationToken ct) => Task.CompletedTask;
    }
}
