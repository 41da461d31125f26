using System.Globalization;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Gates;

/// <summary>What the gates and the lifecycle targets ask of the engine about a compose project's containers.
/// Containers are found by compose's labels, never by name (v1 and v2 name them differently).</summary>
public sealed class StackEngine(DockerClient client, string project) : IDisposable
{
    private const string ProjectLabel = "com.docker.compose.project";
    private const string ServiceLabel = "com.docker.compose.service";

    public string Project { get; } = project;

    public async Task<IReadOnlyList<ContainerSnapshot>> SnapshotAsync(CancellationToken ct)
    {
        var listed = await ListAsync(ct).ConfigureAwait(false);
        var snapshots = new List<ContainerSnapshot>();
        foreach (var container in listed)
        {
            try
            {
                var inspected = await client.Containers.InspectContainerAsync(container.ID, ct).ConfigureAwait(false);
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
        [.. await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ProjectLabel}={Project}"] = true } },
        }, ct).ConfigureAwait(false)];

    /// <summary>Stops a container the way compose would: SIGTERM, and SIGKILL after compose's default 10 s.</summary>
    public Task StopAsync(string containerId, CancellationToken ct) =>
        client.Containers.StopContainerAsync(containerId, new ContainerStopParameters { WaitBeforeKillSeconds = 10 }, ct);

    /// <summary>The container's last lines of output, stdout and stderr together.</summary>
    public Task<IReadOnlyList<string>> TailAsync(string containerId, int lines, CancellationToken ct) =>
        TailAsync(client, containerId, lines, ct);

    /// <inheritdoc cref="TailAsync(string, int, CancellationToken)"/>
    public static async Task<IReadOnlyList<string>> TailAsync(DockerClient client, string containerId, int lines, CancellationToken ct)
    {
        try
        {
            using var stream = await client.Containers.GetContainerLogsAsync(containerId, new ContainerLogsParameters
            {
                ShowStdout = true,
                ShowStderr = true,
                Tail = lines.ToString(CultureInfo.InvariantCulture),
            }, ct).ConfigureAwait(false);
            var (stdout, stderr) = await stream.ReadOutputToEndAsync(ct).ConfigureAwait(false);
            return [.. (stdout + stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(lines)];
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }
    }

    /// <summary>Streams the project's container events from <paramref name="since"/> until cancelled. Each event is
    /// handed over on the reading thread, before the next is read: <see cref="Progress{T}"/> would post it to the
    /// thread pool, where it could still arrive after the watch ended and its listener was gone.</summary>
    public Task WatchAsync(DateTimeOffset since, Action<Message> onEvent, CancellationToken ct) =>
        client.System.MonitorEventsAsync(new ContainerEventsParameters
        {
            Since = since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["type"] = new Dictionary<string, bool> { ["container"] = true },
                ["label"] = new Dictionary<string, bool> { [$"{ProjectLabel}={Project}"] = true },
            },
        }, new InlineProgress<Message>(onEvent), ct);

    private static ContainerSnapshot Snapshot(ContainerInspectResponse c) => new(
        c.ID,
        (c.Config?.Labels is { } labels && labels.TryGetValue(ServiceLabel, out var service) ? service : null) ?? c.Name.TrimStart('/'),
        new DateTimeOffset(DateTime.SpecifyKind(c.Created, DateTimeKind.Utc)),
        c.State!.Status,
        c.State.Health?.Status,
        c.State.ExitCode,
        Time(c.State.StartedAt),
        Time(c.State.FinishedAt),
        [.. (c.State.Health?.Log ?? []).TakeLast(3).Select(r => $"exit {r.ExitCode}: {LastLine(r.Output)}")],
        c.Config?.Image ?? string.Empty);

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

    public void Dispose() => client.Dispose();
}
