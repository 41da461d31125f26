using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Engine;

namespace Mlstack.Build.Gates;

/// <summary>What the gates and the lifecycle targets ask of the engine about a compose project's containers.
/// Containers are found by compose's labels, never by name (v1 and v2 name them differently).</summary>
public sealed class StackEngine(DockerClient client, string project) : IDisposable
{
    private readonly EngineContainers containers = new(client);

    public string Project { get; } = project;

    public async Task<IReadOnlyList<ContainerSnapshot>> SnapshotAsync(CancellationToken ct)
    {
        var listed = await ListAsync(ct).ConfigureAwait(false);
        var snapshots = new List<ContainerSnapshot>();
        foreach (var container in listed)
        {
            try
            {
                var inspected = await containers.InspectAsync(container.ID, ct).ConfigureAwait(false);
                snapshots.Add(Snapshot(inspected));
            }
            catch (DockerContainerNotFoundException)
            {
                // removed between list and inspect: compose is replacing it
            }
        }

        return snapshots;
    }

    public async Task<ContainerListResponse[]> ListAsync(CancellationToken ct) =>
        [.. await containers.ListAsync(Project, ct: ct).ConfigureAwait(false)];

    /// <summary>Stops a container the way compose would: SIGTERM, and SIGKILL after compose's default 10 s.</summary>
    public Task StopAsync(string containerId, CancellationToken ct) => containers.StopAsync(containerId, 10, ct);

    /// <summary>Stops a container with its own grace period: SIGTERM (or its stop signal), SIGKILL after it.</summary>
    public Task StopAsync(string containerId, TimeSpan grace, CancellationToken ct) =>
        containers.StopAsync(containerId, (uint)Math.Ceiling(grace.TotalSeconds), ct);

    /// <summary>Removes a stopped container (its anonymous volumes too: a copy of a stateless service has none worth keeping).</summary>
    public Task RemoveAsync(string containerId, CancellationToken ct) => containers.RemoveAsync(containerId, ct);

    /// <inheritdoc cref="EngineContainers.ExecAsync"/>
    public Task<(long ExitCode, string Stdout, string Stderr)> ExecAsync(string containerId, IReadOnlyList<string> command, CancellationToken ct) =>
        containers.ExecAsync(containerId, command, null, ct);

    /// <summary>The container's last lines of output, stdout and stderr together.</summary>
    public Task<IReadOnlyList<string>> TailAsync(string containerId, int lines, CancellationToken ct) =>
        containers.TailAsync(containerId, lines, ct);

    /// <inheritdoc cref="EngineContainers.WatchAsync"/>
    public Task WatchAsync(DateTimeOffset since, Action<Message> onEvent, CancellationToken ct) =>
        containers.WatchAsync(Project, since, onEvent, ct);

    private static ContainerSnapshot Snapshot(ContainerInspectResponse c) => new(
        c.ID,
        ComposeLabels.ServiceOf(c.Config?.Labels) ?? c.Name.TrimStart('/'),
        new DateTimeOffset(DateTime.SpecifyKind(c.Created, DateTimeKind.Utc)),
        c.State!.Status,
        c.State.Health?.Status,
        c.State.ExitCode,
        Time(c.State.StartedAt),
        Time(c.State.FinishedAt),
        [.. (c.State.Health?.Log ?? []).TakeLast(3).Select(r => $"exit {r.ExitCode}: {LastLine(r.Output)}")],
        c.Config?.Image ?? string.Empty,
        c.Name.TrimStart('/'));

    /// <summary>A failing check's output is often a whole traceback; its last line says what went wrong.</summary>
    private static string LastLine(string? output)
    {
        var line = (output ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";
        return line.Length > 200 ? line[..200] + "…" : line;
    }

    private static DateTimeOffset? Time(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) && time.Year > 1
            ? time
            : null;

    public void Dispose() => containers.Dispose();
}
