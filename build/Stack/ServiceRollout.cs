using System.Diagnostics;
using Mlstack.Build.Core;
using Mlstack.Build.Gates;

namespace Mlstack.Build.Stack;

/// <summary>New beside old for one HTTP service behind the edge — what kamal-proxy does for a container, here for a
/// compose service: pin the edge to the serving copies; start one new copy beside them (compose's --scale with
/// --no-recreate keeps the old ones); wait until it is healthy and answers its check path at its own
/// address; move the traffic; let the old copies drain (their stop grace: in-flight requests finish) and remove them.
/// Until the new copies are proven the old ones serve; a new copy that fails is removed, and nothing switched.</summary>
public sealed class ServiceRollout(RolloutCopies copies, EdgeRoutes edge, BuildLog log)
{

    /// <param name="canary">When given, the proven copy first takes a share of the traffic (chosen at random per request) for a window and is judged
    /// against the old copies by the edge's figures (<see cref="CanaryJudge"/>): a regression removes it.</param>
    /// <param name="current">A snapshot taken just now, when the caller has one, and since which nothing changed this
    /// service's containers: the old copies are read from it instead of another (over SSH, an inspect per container).</param>
    /// <returns>One line for the audit: when the new copy was healthy, when traffic moved, how long the drain took.</returns>
    public async Task<string> RollAsync(ServiceSpec service, TimeSpan timeout, CanaryPolicy? canary, IReadOnlyList<ContainerSnapshot>? current, CancellationToken ct)
    {
        var upstream = service.Upstream ?? throw new ArgumentException($"{service.Name} is not behind the edge", nameof(service));
        var clock = Stopwatch.StartNew();
        var seen = current ?? await copies.Engine.SnapshotAsync(ct).ConfigureAwait(false);
        var old = RolloutCopies.Copies(seen, service, null);
        // Only proven copies keep traffic meanwhile: one still starting was left by a rollout cut off mid-way.
        var serving = old.Where(c => c.Health is null or "healthy").Select(c => c.Name).ToList();
        await edge.PointAsync(upstream, serving, ct).ConfigureAwait(false);
        log.Info($"Rollout: {service.Name}: starting a new copy beside {Names(old)}, which serve{(old.Count == 1 ? "s" : "")} until it is proven");
        IReadOnlyList<ContainerSnapshot>? fresh = null;
        var healthy = TimeSpan.Zero;
        try
        {
            fresh = await copies.StartBesideAsync(service, old, seen, ct).ConfigureAwait(false);
            await copies.WaitHealthyAsync(service, fresh, timeout, ct).ConfigureAwait(false);
            foreach (var copy in fresh)
            {
                if (!await edge.AnswersAsync(copy.Name, upstream, ct).ConfigureAwait(false))
                    throw await copies.FailureAsync(service, copy, $"is healthy, but {upstream.CheckPath} at its own address ({copy.Name}:{upstream.Port}) did not answer 2xx from the edge", ct).ConfigureAwait(false);
            }

            healthy = clock.Elapsed;
            log.Info($"Rollout: {service.Name}: {Names(fresh)} healthy and answering {upstream.CheckPath} after {healthy.TotalSeconds:0.0}s");
            if (canary != null)
                await new CanaryRun(edge, log).RunAsync(service, serving, fresh[0].Name, canary, ct).ConfigureAwait(false);
            await edge.PointAsync(upstream, fresh.Select(c => c.Name), ct).ConfigureAwait(false);
        }
        catch
        {
            // Traffic back on the copies that served before (a canary may have sent some to the new one).
            await copies.UndoAsync(service, old, fresh, () => edge.PointAsync(upstream, serving, CancellationToken.None)).ConfigureAwait(false);
            throw;
        }

        var moved = clock.Elapsed;
        log.Info($"Rollout: {service.Name}: traffic moved to {Names(fresh)} after {moved.TotalSeconds:0.0}s");
        var drain = Stopwatch.StartNew();
        await copies.RemoveAsync(old, service.StopGrace ?? RolloutCopies.DefaultStopGrace).ConfigureAwait(false);
        log.Info($"Rollout: {service.Name}: {Names(old)} drained and removed in {drain.Elapsed.TotalSeconds:0.0}s; {clock.Elapsed.TotalSeconds:0.0}s in all");
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{service.Name} new copy healthy after {healthy.TotalSeconds:0.0}s, traffic moved after {moved.TotalSeconds:0.0}s, old drained in {drain.Elapsed.TotalSeconds:0.0}s");
    }

    private static string Names(IReadOnlyList<ContainerSnapshot> copies) => RolloutCopies.Names(copies);
}
