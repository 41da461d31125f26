using System.Collections.Concurrent;
using System.Diagnostics;
using Docker.DotNet.Models;
using Mlstack.Build.Core;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Gates;

/// <param name="NoContainerTouched">Up found every service running as it last gated it, and only gated it again.</param>
/// <param name="Rollouts">What Up's rollouts of HTTP services did, one line each (for the audit line).</param>
public sealed record GateResult(IReadOnlyDictionary<string, TimeSpan> ReadyAfter, bool NoContainerTouched = false, IReadOnlyList<string>? Rollouts = null);

/// <summary>Waits until every service reached its goal, and fails at once — not at a global timeout — when one
/// turns unhealthy, exits, crashes or passes its own timeout. Driven by the engine's event stream; a poll every
/// second is the backstop for anything the stream could not tell.</summary>
public sealed class HealthGate(StackEngine engine, IReadOnlyList<ServiceGoal> goals, BuildLog log, bool live) : IDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private const int LogLines = 50;

    private readonly ConcurrentDictionary<string, ContainerHistory> _histories = new();
    private readonly SemaphoreSlim _wake = new(0);

    /// <summary>The snapshot the gate passed on, once <see cref="WaitAsync"/> returned: taken after compose up had
    /// returned, so it shows every container compose left, as the gate judged them.</summary>
    public IReadOnlyList<ContainerSnapshot>? PassedOn { get; private set; }

    private readonly List<(IReadOnlySet<string> Services, IReadOnlySet<string> HandOff, TaskCompletionSource<IReadOnlyList<ContainerSnapshot>> Done)> _waiters = [];
    private readonly HashSet<string> _handedOff = [];

    /// <summary>Completes with the round's snapshot at the first round, after compose up returned with exit code 0,
    /// in which every one of <paramref name="services"/> passed (the rest may still be starting); cancelled when the
    /// gate ends without such a round. Lets work that needs only some services start before the whole gate passes.
    /// From that round on, the gate no longer judges <paramref name="handOff"/> (they passed already): whoever
    /// waited takes them over, e.g. a rollout whose new copy may be unhealthy without the old one failing the gate.</summary>
    public Task<IReadOnlyList<ContainerSnapshot>> WhenPassedAsync(IReadOnlySet<string> services, IReadOnlySet<string> handOff)
    {
        var done = new TaskCompletionSource<IReadOnlyList<ContainerSnapshot>>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
            _waiters.Add((services, handOff, done));
        return done.Task;
    }

    private void Release(IReadOnlySet<string> passed, IReadOnlyList<ContainerSnapshot> snapshot)
    {
        lock (_waiters)
            foreach (var waiter in _waiters.Where(w => w.Services.IsSubsetOf(passed) && w.HandOff.IsSubsetOf(passed)).ToList())
            {
                _handedOff.UnionWith(waiter.HandOff);
                waiter.Done.TrySetResult(snapshot);
                _waiters.Remove(waiter);
            }
    }

    /// <param name="composeUp">The running <c>compose up</c>: once it has returned, nothing more will be started.</param>
    /// <param name="current">A snapshot taken just now, when the caller has one: the first round uses it instead of
    /// taking another (over SSH, a snapshot is an inspect per container, one after another).</param>
    public async Task<GateResult> WaitAsync(DateTimeOffset gateStart, Task<ToolResult> composeUp, IReadOnlyList<ContainerSnapshot>? current, CancellationToken ct)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watch = engine.WatchAsync(gateStart - ContainerEvents.StopLookBack, message => OnEvent(message, gateStart), watching.Token);
        var table = new GateTable(goals, log, live);
        var passed = new Dictionary<string, TimeSpan>();
        var states = new Dictionary<string, GateState>(); // a service handed off keeps the state it was handed off in
        var clock = Stopwatch.StartNew();
        var roundsAfterComposeFailed = 0;
        try
        {
            while (true)
            {
                var composeFinished = composeUp.IsCompleted;
                var snapshot = current ?? await engine.SnapshotAsync(ct).ConfigureAwait(false);
                current = null;
                var now = DateTimeOffset.UtcNow;
                foreach (var goal in goals.Where(g => !_handedOff.Contains(g.Service)))
                {
                    var container = Representative(snapshot, goal.Service);
                    var history = container == null ? ContainerHistory.None : _histories.GetValueOrDefault(container.Id, ContainerHistory.None);
                    var state = GateDecision.Decide(goal, container, history, now, gateStart, composeFinished);
                    states[goal.Service] = state;
                    if (state.Verdict != Verdict.Passed)
                        passed.Remove(goal.Service); // e.g. compose replaced a container that was ready
                    else
                        passed.TryAdd(goal.Service, clock.Elapsed);
                    if (state.Verdict == Verdict.Failed)
                    {
                        table.Update(states, clock.Elapsed);
                        throw await FailureAsync(goal.Service, state.Text, container, ct).ConfigureAwait(false);
                    }
                }

                table.Update(states, clock.Elapsed);
                if (composeFinished && composeUp.Result.ExitCode != 0 && ++roundsAfterComposeFailed > 2)
                    throw new ComposeFailedException($"compose up failed (exit code {composeUp.Result.ExitCode}): {string.Join(" | ", composeUp.Result.Output.TakeLast(3))}",
                        composeUp.Result.ExitCode, [.. composeUp.Result.Output.TakeLast(LogLines)]);
                if (composeFinished && composeUp.Result.ExitCode == 0)
                    Release(passed.Keys.ToHashSet(), snapshot);
                if (composeFinished && composeUp.Result.ExitCode == 0 && passed.Count == goals.Count)
                {
                    PassedOn = snapshot;
                    return new GateResult(passed);
                }
                await _wake.WaitAsync(Tick, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_waiters)
                foreach (var waiter in _waiters)
                    waiter.Done.TrySetCanceled(CancellationToken.None);
            await watching.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(watch).ConfigureAwait(false);
        }
    }

    /// <summary>The container a service's goal is judged on: its newest, and for a service with several replicas (a
    /// worker tier the autoscaler sized) its newest running one, so a stopped replica never hides a live one.</summary>
    public static ContainerSnapshot? Representative(IReadOnlyList<ContainerSnapshot> snapshot, string service)
    {
        var containers = snapshot.Where(c => c.Service == service).ToList();
        return containers.Where(c => c.IsRunning).MaxBy(c => c.Created) ?? containers.MaxBy(c => c.Created);
    }

    private void OnEvent(Message message, DateTimeOffset gateStart)
    {
        var id = message.Actor?.ID ?? string.Empty;
        var attributes = message.Actor?.Attributes;
        var time = message.TimeNano is { } nanos ? DateTimeOffset.UnixEpoch.AddTicks(nanos / 100) : DateTimeOffset.UtcNow;
        var exitCode = attributes != null && attributes.TryGetValue("exitCode", out var text) && long.TryParse(text, out var parsed) ? parsed : (long?)null;
        var signal = attributes != null && attributes.TryGetValue("signal", out var sent) ? sent : null;
        var before = _histories.GetValueOrDefault(id, ContainerHistory.None);
        if (ContainerEvents.Apply(before, message.Action ?? string.Empty, signal, exitCode, time, gateStart) is not { } after)
            return;
        _histories[id] = after;

        if (_wake.CurrentCount == 0) // one pending wake is enough: the round reads the whole state again
            _wake.Release();
    }

    /// <summary>Safe once <see cref="WaitAsync"/> returned: the watch has ended, and it hands events over inline.</summary>
    public void Dispose() => _wake.Dispose();

    private async Task<GateFailedException> FailureAsync(string service, string reason, ContainerSnapshot? container, CancellationToken ct)
    {
        var tail = container == null ? [] : await engine.TailAsync(container.Id, LogLines, ct).ConfigureAwait(false);
        var health = container?.HealthOutputs ?? [];
        log.Error($"✗ {service} {reason}. Its last {tail.Count} log lines:");
        foreach (var line in tail)
            log.Error($"  {service} | {line}");
        if (health.Count > 0)
        {
            log.Error($"{service}: last healthcheck results:");
            foreach (var line in health)
                log.Error($"  {service} | {line}");
        }

        return new GateFailedException(service, reason, tail, health);
    }
}
