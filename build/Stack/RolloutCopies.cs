using Mlstack.Build.Core;
using Mlstack.Build.Gates;

namespace Mlstack.Build.Stack;

/// <summary>What every new-beside-old rollout does with a service's copies, whatever moves the traffic afterwards:
/// start one new copy beside the running ones (compose's --scale with --no-recreate keeps the old), wait until it is
/// healthy, tell a failed copy's story, and stop and remove copies, each within its own stop grace.</summary>
public sealed class RolloutCopies(StackEngine engine, ComposeCommand compose, BuildLog log)
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    /// <summary>The grace a new copy that failed gets: it never took traffic, so there is nothing to drain.</summary>
    public static readonly TimeSpan DefaultStopGrace = TimeSpan.FromSeconds(10);

    public StackEngine Engine => engine;

    /// <summary>One new copy beside <paramref name="old"/>, whatever was running: a service rolled here runs one, and
    /// copies left by a rollout that was cut off (a dropped connection) are drained with the rest. Returns it, running
    /// or not: a copy that exited at once is the health wait's to report, with its logs.</summary>
    /// <param name="seen">The snapshot <paramref name="old"/> was read from: whatever it holds is not new.</param>
    public async Task<IReadOnlyList<ContainerSnapshot>> StartBesideAsync(ServiceSpec service, IReadOnlyList<ContainerSnapshot> old, IReadOnlyList<ContainerSnapshot> seen, CancellationToken ct)
    {
        var existing = seen.Select(c => c.Id).ToHashSet();
        var result = await compose(["up", "-d", "--no-build", "--no-deps", "--no-recreate", "--scale", $"{service.Name}={old.Count + 1}", service.Name], ct).ConfigureAwait(false);
        var fresh = (await engine.SnapshotAsync(ct).ConfigureAwait(false)).Where(c => c.Service == service.Name && !existing.Contains(c.Id)).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        if (result.ExitCode != 0 || fresh.Count == 0)
            throw new ComposeFailedException($"compose could not start a new copy of {service.Name} beside the old: {string.Join(" | ", result.Output.TakeLast(3))}", result.ExitCode, result.Output);
        return fresh;
    }

    /// <summary>A rollout that failed or was cut off: <paramref name="restore"/> (traffic back where it was, if the
    /// rollout moved any), then the new copy removed — every container of the service but <paramref name="old"/>,
    /// running or not, when the rollout was cut off before it knew it. Also after Ctrl-C (no token). A failure here is
    /// logged, not thrown: the failure that brought us here is the story, and the next Up drains whatever copy is left.</summary>
    public async Task UndoAsync(ServiceSpec service, IReadOnlyList<ContainerSnapshot> old, IReadOnlyList<ContainerSnapshot>? fresh, Func<Task>? restore = null)
    {
        try
        {
            fresh ??= [.. (await engine.SnapshotAsync(CancellationToken.None).ConfigureAwait(false)).Where(c => c.Service == service.Name && old.All(o => o.Id != c.Id))];
            if (restore != null)
                await restore().ConfigureAwait(false);
            await RemoveAsync(fresh, DefaultStopGrace).ConfigureAwait(false);
            log.Warn($"Rollout: {service.Name}: new copy {Names(fresh)} removed; {Names(old)} serve{(old.Count == 1 ? "s" : "")} on, nothing switched");
        }
        catch (Exception e)
        {
            log.Warn($"Rollout: {service.Name}: could not undo the rollout ({e.Message}); the next Up drains the copies left");
        }
    }

    public static IReadOnlyList<ContainerSnapshot> Copies(IReadOnlyList<ContainerSnapshot> snapshot, ServiceSpec service, IReadOnlyList<ContainerSnapshot>? except) =>
        [.. snapshot
            .Where(c => c.Service == service.Name && c.IsRunning && except?.Any(o => o.Id == c.Id) != true)
            .OrderBy(c => c.Name, StringComparer.Ordinal)];

    public async Task WaitHealthyAsync(ServiceSpec service, IReadOnlyList<ContainerSnapshot> fresh, TimeSpan timeout, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var waiting = fresh.ToList();
        while (waiting.Count > 0)
        {
            await Task.Delay(Poll, ct).ConfigureAwait(false);
            var now = await engine.SnapshotAsync(ct).ConfigureAwait(false);
            foreach (var copy in waiting.ToList())
            {
                var seen = now.FirstOrDefault(c => c.Id == copy.Id);
                if (seen is { IsRunning: true, Health: "healthy" } or { IsRunning: true, Health: null })
                    waiting.Remove(copy);
                else if (seen == null || !seen.IsRunning || seen.Health == "unhealthy")
                    throw await FailureAsync(service, seen ?? copy, seen == null ? "was removed" : seen.IsRunning ? "became unhealthy" : $"exited with code {seen.ExitCode}", ct).ConfigureAwait(false);
            }

            if (waiting.Count > 0 && clock.Elapsed > timeout)
                throw await FailureAsync(service, waiting[0], $"was not healthy after {timeout.TotalSeconds:0}s", ct).ConfigureAwait(false);
        }
    }

    /// <summary>The new copy's failure, with its last log lines and healthcheck outputs shown.</summary>
    public async Task<GateFailedException> FailureAsync(ServiceSpec service, ContainerSnapshot copy, string what, CancellationToken ct)
    {
        var tail = await engine.TailAsync(copy.Id, 20, ct).ConfigureAwait(false);
        foreach (var line in tail)
            log.Warn($"  {copy.Name} | {line}");
        foreach (var output in copy.HealthOutputs)
            log.Warn($"  {copy.Name} healthcheck | {output}");
        return new GateFailedException(service.Name, $"'s new copy {copy.Name} {what}", tail, copy.HealthOutputs);
    }

    /// <summary>Stops (its own grace: in-flight work finishes) and removes each copy; not cancellable, so a Ctrl-C
    /// cannot leave a half-removed copy behind.</summary>
    public async Task RemoveAsync(IReadOnlyList<ContainerSnapshot> copies, TimeSpan grace)
    {
        foreach (var copy in copies)
        {
            await engine.StopAsync(copy.Id, grace, CancellationToken.None).ConfigureAwait(false);
            await engine.RemoveAsync(copy.Id, CancellationToken.None).ConfigureAwait(false);
        }
    }

    public static string Names(IReadOnlyList<ContainerSnapshot> copies) => string.Join(", ", copies.Select(c => c.Name));
}
