using System.Diagnostics;
using Mlstack.Build.Core;
using Mlstack.Build.Gates;

namespace Mlstack.Build.Stack;

/// <summary>New beside old for the edge itself (its image or settings changed), so that no connection is refused:
/// every copy of the edge joins edge-net's network (<see cref="ServiceSpec.NetworkOf"/>), which owns the published
/// ports, and listens on them with reuseport. The new copy starts beside the old one, and its healthcheck proves its
/// own front and router through its own socket; from its first listen the kernel spreads new connections over both.
/// Then the old copy leaves gracefully (nginx's quit: it stops listening, closes idle connections and finishes the
/// requests in flight within its stop grace). A new copy that fails is removed; the old one serves on.</summary>
public sealed class EdgeRollout(RolloutCopies copies, BuildLog log)
{
    /// <returns>The edge container that serves now, and a line for the audit.</returns>
    public async Task<(ContainerSnapshot Edge, string Audit)> RollAsync(ServiceSpec edge, TimeSpan timeout, IReadOnlyList<ContainerSnapshot> current, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var old = RolloutCopies.Copies(current, edge, null);
        log.Info($"Rollout: {edge.Name}: starting a new copy beside {RolloutCopies.Names(old)}, on the same port, until it is proven");
        IReadOnlyList<ContainerSnapshot>? fresh = null;
        try
        {
            fresh = await copies.StartBesideAsync(edge, old, current, ct).ConfigureAwait(false);
            await copies.WaitHealthyAsync(edge, fresh, timeout, ct).ConfigureAwait(false);
        }
        catch
        {
            await copies.UndoAsync(edge, old, fresh).ConfigureAwait(false);
            throw;
        }

        var healthy = clock.Elapsed;
        log.Info($"Rollout: {edge.Name}: {RolloutCopies.Names(fresh)} healthy and taking connections beside {RolloutCopies.Names(old)} after {healthy.TotalSeconds:0.0}s");
        var drain = Stopwatch.StartNew();
        await copies.RemoveAsync(old, edge.StopGrace ?? RolloutCopies.DefaultStopGrace).ConfigureAwait(false);
        log.Info($"Rollout: {edge.Name}: {RolloutCopies.Names(old)} drained and removed in {drain.Elapsed.TotalSeconds:0.0}s; {clock.Elapsed.TotalSeconds:0.0}s in all");
        return (fresh[0], string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{edge.Name} new copy healthy after {healthy.TotalSeconds:0.0}s, old drained in {drain.Elapsed.TotalSeconds:0.0}s"));
    }
}
