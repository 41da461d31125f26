using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Core;
using Mlstack.Build.Gates;
using Mlstack.Build.Remote;

namespace Mlstack.Build.Cluster;

/// <summary>Waits until a deploy phase's services reach their goal (<see cref="SwarmServiceJudge"/>), reading the
/// swarm's state through a manager's engine API once a second; a service that fails is named with the node of its
/// failed task and its last log lines (<c>docker service logs</c>), as a failed gate on one VM is.</summary>
public sealed class SwarmGate(DockerClient engine, IRemoteShell manager, string stack, BuildLog log)
{
    private static readonly HashSet<string> Failures = ["failed", "rejected"];

    /// <summary>The manager engine's clock: when a deploy began, in the engine's own time (the tasks' times are its).</summary>
    public async Task<DateTime> ClockAsync(CancellationToken ct) =>
        DateTime.Parse((await engine.System.GetSystemInfoAsync(ct).ConfigureAwait(false)).SystemTime, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);

    /// <param name="since">When this deploy began (<see cref="ClockAsync"/>).</param>
    public async Task WaitAsync(SwarmDeployPhase phase, DateTime since, TimeSpan timeout, CancellationToken ct)
    {
        var pending = phase.All.ToList();
        var last = new Dictionary<string, SwarmJudgement>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var nodes = (await engine.Swarm.ListNodesAsync(ct).ConfigureAwait(false)).ToDictionary(n => n.ID, n => n.Description?.Hostname ?? n.ID);
            foreach (var name in pending.ToList())
            {
                var judgement = SwarmServiceJudge.Judge(await StateAsync(name, phase.Jobs.Contains(name), nodes, since, ct).ConfigureAwait(false), since);
                last[name] = judgement;
                if (judgement.Verdict == SwarmVerdict.Failed)
                    throw await FailureAsync(name, judgement.Why, ct).ConfigureAwait(false);
                if (judgement.Verdict != SwarmVerdict.Ready)
                    continue;
                log.Info($"Deploy: {name} ready on the cluster: {judgement.Why} ({clock.Elapsed.TotalSeconds:0.0} s)");
                pending.Remove(name);
            }

            if (pending.Count == 0)
                return;
            if (clock.Elapsed > timeout)
                throw await FailureAsync(pending[0], $"was not ready within {timeout.TotalSeconds:0} s ({last[pending[0]].Why})", ct).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        }
    }

    private async Task<SwarmServiceState> StateAsync(string name, bool isJob, Dictionary<string, string> nodes, DateTime since, CancellationToken ct)
    {
        var service = await engine.Swarm.InspectServiceAsync(SwarmStackCommands.ServiceName(stack, name), ct).ConfigureAwait(false);
        var tasks = await SwarmQueries.TasksAsync(engine, service.ID, running: false, ct).ConfigureAwait(false);
        var spec = Fingerprint(service.Spec!.TaskTemplate);
        SwarmTaskState State(TaskResponse task) => new(
            nodes.TryGetValue(task.NodeID ?? string.Empty, out var node) ? node : "no node",
            Name(task.Status?.State), Name(task.DesiredState), task.Status?.Err, task.Status?.ContainerStatus?.ExitCode, task.CreatedAt ?? DateTime.MinValue);
        return new SwarmServiceState(
            name,
            isJob,
            (long)(service.Spec.Mode?.Replicated?.Replicas ?? 1),
            service.UpdateStatus?.State,
            service.UpdateStatus?.StartedAt,
            service.UpdateStatus?.Message,
            [.. tasks.Where(t => Fingerprint(t.Spec) == spec).Select(State)],
            [.. tasks.Where(t => t.CreatedAt >= since).Select(State).Where(t => Failures.Contains(t.State))],
            Blamed(service.UpdateStatus?.Message, tasks, spec, since) is { } blamed ? State(blamed) : null);
    }

    /// <summary>The task an update's message names ("update rolled back due to failure or early termination of task
    /// ID"); once the rollback completed the message says only that, and then it is the newest task this deploy made of
    /// another spec than the service's now (the one Swarm rolled away from).</summary>
    private static TaskResponse? Blamed(string? message, IList<TaskResponse> tasks, string spec, DateTime since)
    {
        var named = message is null ? null : System.Text.RegularExpressions.Regex.Match(message, @"\btask ([a-z0-9]{25})\b") is { Success: true } match ? match.Groups[1].Value : null;
        return tasks.FirstOrDefault(t => t.ID == named)
            ?? tasks.Where(t => t.CreatedAt >= since && Fingerprint(t.Spec) != spec).MaxBy(t => t.CreatedAt);
    }

    /// <summary>A task's spec as the service's: the engine copies the service's task template into each task, less a
    /// few defaults it fills only on the service (the restart policy, the runtime, the stop grace period: seen on
    /// Engine 20.10), so those are left out of the comparison.</summary>
    private static string Fingerprint(TaskSpec? spec)
    {
        if (JsonSerializer.SerializeToNode(spec) is not System.Text.Json.Nodes.JsonObject node)
            return string.Empty;
        node.Remove(nameof(TaskSpec.RestartPolicy));
        node.Remove(nameof(TaskSpec.Runtime));
        (node[nameof(TaskSpec.ContainerSpec)] as System.Text.Json.Nodes.JsonObject)?.Remove(nameof(ContainerSpec.StopGracePeriod));
        return node.ToJsonString();
    }

    /// <summary>The engine's names for states ("running", "complete"), as the judge and the operator read them.</summary>
    private static string Name(TaskState? state) => state?.ToString().ToLowerInvariant() ?? "unknown";

    private async Task<GateFailedException> FailureAsync(string name, string why, CancellationToken ct)
    {
        string[] tail;
        try
        {
            tail = (await manager.RunAsync(SwarmStackCommands.Logs(stack, name), TimeSpan.FromSeconds(30), ct).ConfigureAwait(false)).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (SshCommandException e)
        {
            tail = [$"(its tasks and logs could not be read: {e.Message})"]; // the failure is the service's, not this read's
        }

        log.Error($"Deploy: {name} {why}; its tasks and last log lines on the cluster:");
        foreach (var line in tail)
            log.Info($"  {line}");
        return new GateFailedException(name, why, tail, []);
    }
}
