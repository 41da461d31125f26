using System.Diagnostics;
using Mlstack.Build.Gates;
using Mlstack.Build.Core;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Stack;

/// <param name="ImageIds">Per service, the id of the image it runs (services built by Images): part of its fingerprint.</param>
/// <param name="RecordFile">Where Up keeps what it last left running (see <see cref="UpRecord"/>).</param>
/// <param name="ScaleToZero">Worker tiers the autoscaler may stop entirely (<see cref="AutoscaleConfig"/>).</param>
/// <param name="EdgeConfig">A hash of the edge's routes as mounted (stack/config/edge): when it changed, Up reloads the
/// edge; the edge's container stays.</param>
/// <param name="Canary">Each rolled service's new copy takes a share of the traffic first and is judged (Deploy --canary).</param>
public sealed record UpOptions(IReadOnlyDictionary<string, string> ImageIds, string RecordFile, TimeSpan? ServiceTimeout = null, bool Live = false, IReadOnlySet<string>? ScaleToZero = null, string? EdgeConfig = null, CanaryPolicy? Canary = null);

/// <summary>compose up, with the health gate watching from before the first container is created; as soon as the
/// edge and what they depend on have passed, the HTTP services behind the edge that changed are rolled new-beside-old
/// (<see cref="ServiceRollout"/>) while the gate watches the rest, and the edge applies the release's routes. A stack
/// whose services all still run what the last Up gated is only gated again: no compose call, no one-shot re-run.</summary>
public static class StackUp
{
    public static async Task<GateResult> RunAsync(ComposeModel model, StackEngine engine, ComposeCommand compose, UpOptions options, BuildLog log, CancellationToken ct)
    {
        var start = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var goals = model.Services.Select(s => ServiceGoal.For(s, options.ServiceTimeout, options.ScaleToZero?.Contains(s.Name) == true)).ToList();
        var fingerprints = model.Services.ToDictionary(s => s.Name, s => UpPlan.Fingerprint(s, options.ImageIds.GetValueOrDefault(s.Name)));
        var before = await engine.SnapshotAsync(ct).ConfigureAwait(false);
        var recorded = UpRecord.Read(options.RecordFile);
        var decision = UpPlan.Decide(model.Services, fingerprints, recorded, before, options.EdgeConfig);
        var rolled = RolloutPlan.Select(model, decision.UnchangedServices, before);
        if (File.Exists(options.RecordFile))
            File.Delete(options.RecordFile); // until this Up has passed its gate, nothing is known to be running as recorded
        if (await StopAutoscalerAsync(model, engine, decision, before, ct).ConfigureAwait(false))
            start = DateTimeOffset.UtcNow; // its stop is not the gate's business
        if (await MoveEdgeIntoItsNetworkAsync(model, engine, before, log, ct).ConfigureAwait(false))
            start = DateTimeOffset.UtcNow;

        if (!decision.NothingChanged)
        {
            Tell(log, model, decision.Kept);
            TellRecreated(log, model, decision, rolled, before);
        }

        using var composeCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var composeUp = decision.NothingChanged
            ? Task.FromResult(new ToolResult(0, []))
            : compose(UpArguments(model, [.. decision.Kept, .. rolled.Select(s => s.Name)]), composeCancel.Token);
        try
        {
            using var gate = new HealthGate(engine, goals, log, options.Live);
            var handOver = decision.NothingChanged ? Task.FromResult<IReadOnlyList<string>>([])
                : HandOverWhenReadyAsync(gate.WhenPassedAsync(HandOverNeeds(model, rolled), rolled.Select(s => s.Name).ToHashSet()), model, engine, compose, rolled, options, log, ct);
            // Nothing to start: what the decision saw is what the gate would see.
            var gating = gate.WaitAsync(start, composeUp, decision.NothingChanged ? before : null, ct);
            // Both end before either's failure is told: a rollout finishes or undoes itself, never left half-switched.
            await Task.WhenAll(gating, handOver).ConfigureAwait(false);
            var result = gating.Result with { Rollouts = decision.NothingChanged ? null : handOver.Result };
            var passedOn = gate.PassedOn!;
            // What the gate passed on is what runs, unless a rollout has since replaced a service's containers.
            var running = decision.NothingChanged ? before
                : result.Rollouts is { Count: > 0 } ? await engine.SnapshotAsync(ct).ConfigureAwait(false)
                : passedOn;
            new UpRecord(fingerprints, running.GroupBy(c => c.Service).ToDictionary(g => g.Key, g => UpPlan.Recorded(g, model.Find(g.Key)).Id), options.EdgeConfig).Write(options.RecordFile);
            var total = clock.Elapsed;
            if (decision.NothingChanged)
            {
                log.Success($"Up: {goals.Count} services ready in {total.TotalSeconds:0.0}s; nothing changed, no container touched");
                return result with { NoContainerTouched = true };
            }

            var (slowest, after) = result.ReadyAfter.MaxBy(r => r.Value);
            log.Success($"Up: {goals.Count} services ready in {total.TotalSeconds:0.0}s; slowest {slowest} after {after.TotalSeconds:0.0}s; Up's own overhead {(total - after).TotalSeconds:0.00}s");
            return result;
        }
        catch
        {
            await composeCancel.CancelAsync().ConfigureAwait(false);
            try
            {
                await composeUp.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // we stopped it: the gate's failure is the story
            }

            // The last good Up's record still holds for every container this one left in place (the next Up checks
            // each by id and state): a return to that release then touches only what this one changed — a failed
            // rollout's old copies, which never stopped serving, stay.
            recorded?.AfterFailedUp(options.EdgeConfig).Write(options.RecordFile);
            throw;
        }
    }

    /// <summary>What the hand-over waits for: the edge, the rolled services (their old copies serve meanwhile) and
    /// whatever those depend on (a migration completed, the databases healthy) — not the rest of the stack, so a
    /// release's new ml-service starts while its worker tiers are still starting (~10 s of a code release on a VM).</summary>
    private static HashSet<string> HandOverNeeds(ComposeModel model, IReadOnlyList<ServiceSpec> rolled) =>
        [.. model.Edge is { } edge ? [edge.Name] : Array.Empty<string>(), .. rolled.Select(s => s.Name), .. rolled.SelectMany(s => s.DependsOn.Keys)];

    /// <summary>The hand-over, once the gate has passed what it needs; nothing when the gate failed first (its failure
    /// is the story, and nothing was switched).</summary>
    private static async Task<IReadOnlyList<string>> HandOverWhenReadyAsync(Task<IReadOnlyList<ContainerSnapshot>> ready, ComposeModel model, StackEngine engine, ComposeCommand compose, IReadOnlyList<ServiceSpec> rolled, UpOptions options, BuildLog log, CancellationToken ct)
    {
        IReadOnlyList<ContainerSnapshot> passedOn;
        try
        {
            passedOn = await ready.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return [];
        }

        return await HandOverAsync(model, engine, compose, rolled, passedOn, options, log, ct).ConfigureAwait(false);
    }

    /// <summary>The changed HTTP services, side by side, each new-beside-old behind the running edge (they do not wait
    /// for one another: the old copies of each serve until its new ones are proven, and the edge applies one change at
    /// a time); then the edge applies the routes of this release (a graceful reload, tested by nginx first). When one
    /// fails, the others still finish or undo themselves before the failure is thrown: nothing is left half-switched.</summary>
    /// <param name="passedOn">The snapshot the gate passed on (<see cref="HealthGate.PassedOn"/>). It was taken after
    /// compose up returned, so it shows the edge container compose left (a new one when the edge itself was recreated;
    /// <c>before</c> would name the removed one), and nothing but the autoscaler, which touches worker tiers only, has
    /// changed containers since. It also holds each rolled service's copies as they are: compose up left rolled
    /// services out, and the rollouts start together.</param>
    /// <returns>Each rollout's line for the audit.</returns>
    private static async Task<IReadOnlyList<string>> HandOverAsync(ComposeModel model, StackEngine engine, ComposeCommand compose, IReadOnlyList<ServiceSpec> rolled, IReadOnlyList<ContainerSnapshot> passedOn, UpOptions options, BuildLog log, CancellationToken ct)
    {
        if (model.Edge is not { } edgeService)
            return [];
        var edgeContainer = passedOn.Where(c => c.Service == edgeService.Name && c.IsRunning).MaxBy(c => c.Created);
        if (edgeContainer == null)
            return []; // the gate passed without it: it scales to zero nowhere, so this is a stack without a running edge
        var copies = new RolloutCopies(engine, compose, log);
        var lines = new List<string>();
        // The edge first, alone: the services' rollouts then point the new edge, the one that stays.
        if (rolled.Any(s => s.IsEdge))
        {
            var (serving, line) = await new EdgeRollout(copies, log).RollAsync(edgeService, ServiceGoal.For(edgeService, options.ServiceTimeout).Timeout, passedOn, ct).ConfigureAwait(false);
            edgeContainer = serving;
            lines.Add(line);
        }

        var edge = new EdgeRoutes(engine, edgeContainer);
        var rollout = new ServiceRollout(copies, edge, log);
        lines.AddRange(await Task.WhenAll(rolled.Where(s => !s.IsEdge).Select(service =>
            rollout.RollAsync(service, ServiceGoal.For(service, options.ServiceTimeout).Timeout, options.Canary, passedOn, ct))).ConfigureAwait(false));
        await edge.ReloadAsync(ct).ConfigureAwait(false);
        return lines;
    }

    /// <summary>The service that scales the worker tiers (compose.yaml), stopped first wherever tiers are replaced.</summary>
    public const string Autoscaler = "autoscaler";

    /// <summary>Stops the autoscaler when compose is about to start it again anyway: left running, it adds or removes a
    /// worker tier's copy while compose replaces that tier ("No such container" for worker-heavy, seen in DeployTests).
    /// compose starts it again with the rest.</summary>
    private static async Task<bool> StopAutoscalerAsync(ComposeModel model, StackEngine engine, UpDecision decision, IReadOnlyList<ContainerSnapshot> before, CancellationToken ct)
    {
        if (decision.NothingChanged || decision.Kept.Contains(Autoscaler) || model.Find(Autoscaler) == null)
            return false;
        var running = before.Where(c => c.Service == Autoscaler && c.IsRunning).ToList();
        foreach (var autoscaler in running)
            await engine.StopAsync(autoscaler.Id, ct).ConfigureAwait(false);
        return running.Count > 0;
    }

    /// <summary>An edge from before edge-net published the ports itself, and holds them until it is gone; compose
    /// would start edge-net, which now owns them, first. So that edge is stopped (gracefully) and removed first: the
    /// one release whose edge restarts without a copy beside it, and Up says so.</summary>
    private static async Task<bool> MoveEdgeIntoItsNetworkAsync(ComposeModel model, StackEngine engine, IReadOnlyList<ContainerSnapshot> before, BuildLog log, CancellationToken ct)
    {
        if (model.Edge is not { NetworkOf: { } network } edge || before.Any(c => c.Service == network))
            return false;
        var old = before.Where(c => c.Service == edge.Name).ToList();
        if (old.Count == 0)
            return false;
        log.Warn($"Up: {edge.Name} moves into {network}'s network, which owns the published port from now on: the site is down until the new {edge.Name} is ready (this once; later edge releases start the new copy beside the old)");
        foreach (var container in old)
        {
            await engine.StopAsync(container.Id, edge.StopGrace ?? RolloutCopies.DefaultStopGrace, ct).ConfigureAwait(false);
            await engine.RemoveAsync(container.Id, ct).ConfigureAwait(false);
        }

        return true;
    }

    private static void Tell(BuildLog log, ComposeModel model, IReadOnlyList<string> kept)
    {
        var oneShots = kept.Where(k => model.Find(k)?.IsOneShot == true).ToList();
        var tiers = kept.Except(oneShots).ToList();
        if (oneShots.Count > 0)
            log.Info($"Up: {string.Join(", ", oneShots)} unchanged and completed: not run again.");
        if (tiers.Count > 0)
            log.Info($"Up: {string.Join(", ", tiers)} unchanged: left at the replicas the autoscaler chose.");
    }

    /// <summary>Says, before compose starts, which running services it will stop and start again in place (their own
    /// image or settings changed): they are down until healthy, at most their healthcheck's worst case. Only known
    /// when the last Up's record is there; the worker tiers are left out (their queues wait, see tiers-and-studies.md).</summary>
    private static void TellRecreated(BuildLog log, ComposeModel model, UpDecision decision, IReadOnlyList<ServiceSpec> rolled, IReadOnlyList<ContainerSnapshot> before)
    {
        if (decision.Unchanged == null)
            return;
        bool Recreated(ServiceSpec s) => !decision.Unchanged.Contains(s.Name) && rolled.All(r => r.Name != s.Name);
        // A service that joins another's network is recreated with it (the edge with edge-net).
        var inPlace = model.Services
            .Where(s => (Recreated(s) || (s.NetworkOf is { } network && model.Find(network) is { } owner && Recreated(owner))) && !s.IsOneShot && !s.IsTier)
            .Where(s => before.Any(c => c.Service == s.Name && c.IsRunning))
            .Select(s => s.Healthcheck is { } health ? $"{s.Name} (down up to {health.WorstCaseStart.TotalSeconds:0} s)" : s.Name)
            .ToList();
        if (inPlace.Count > 0)
            log.Warn($"Up: recreating in place, each down until its new container is ready: {string.Join(", ", inPlace)}");
    }

    /// <summary>Kept and rolled services are left out; --no-deps then stops compose from pulling them back in as
    /// dependencies (their dependants' conditions count as met: kept ones completed, unchanged; nothing depends on a
    /// worker tier; rolled ones serve, healthy, until their new copies take over).</summary>
    private static string[] UpArguments(ComposeModel model, IReadOnlyList<string> leftOut) =>
        leftOut.Count == 0
            ? ["up", "-d", "--no-build", "--remove-orphans"]
            : ["up", "-d", "--no-build", "--remove-orphans", "--no-deps", .. model.Services.Select(s => s.Name).Except(leftOut)];
}
