using Mlstack.Build.Core;

namespace Mlstack.Build.Stack;

/// <summary>The new copy answered worse than the old ones during its canary window; the message holds both sides'
/// figures (and so does the audit line of the rollback it causes).</summary>
public sealed class CanaryFailedException(string message) : BuildFailure(message);

/// <summary>A canary of one proven copy: a share of the upstream's live traffic for a window, then the edge's access
/// log judged (<see cref="CanaryJudge"/>). Throws <see cref="CanaryFailedException"/> on a regression; the caller
/// moves the traffic back and removes the copy.</summary>
public sealed class CanaryRun(EdgeRoutes edge, BuildLog log)
{
    public async Task RunAsync(ServiceSpec service, IReadOnlyList<string> serving, string fresh, CanaryPolicy canary, CancellationToken ct)
    {
        var upstream = service.Upstream!;
        var addresses = await edge.AddressesAsync([fresh, .. serving], ct).ConfigureAwait(false);
        var newAddresses = addresses.GetValueOrDefault(fresh) ?? new HashSet<string>();
        var oldAddresses = serving.SelectMany(name => addresses.GetValueOrDefault(name) ?? new HashSet<string>()).ToHashSet();
        await edge.WeighAsync(upstream, serving, fresh, canary.Share, ct).ConfigureAwait(false);
        var from = await edge.ClockAsync(ct).ConfigureAwait(false);
        log.Info($"Canary: {service.Name}: {(canary.Share * 100).ToString("0", System.Globalization.CultureInfo.InvariantCulture)}% of its traffic to {fresh} for {canary.Window.TotalSeconds:0}s, judged against {string.Join(", ", serving)}");
        await Task.Delay(canary.Window, ct).ConfigureAwait(false);
        var to = await edge.ClockAsync(ct).ConfigureAwait(false);
        var verdict = CanaryJudge.Judge(await edge.AccessLogAsync(ct).ConfigureAwait(false), newAddresses, oldAddresses, from, to);
        if (verdict.Regressed)
            throw new CanaryFailedException($"Canary of {service.Name} failed: {verdict.Why}");
        log.Info($"Canary: {service.Name}: passed, {verdict.Why}");
    }
}
