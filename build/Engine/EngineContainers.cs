using System.Globalization;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Engine;

/// <summary>A compose project's containers as the engine (this machine's or a VM's) sees them: found by compose's
/// labels, inspected, stopped and started, their output tailed, their events watched. What Stack, Gates, Smoke and
/// Backup share; each builds its own few operations on it. Disposes the client with itself.</summary>
public sealed class EngineContainers(DockerClient client) : IDisposable
{
    public DockerClient Client => client;

    /// <summary>The project's containers (one service's, when given), stopped ones too unless <paramref name="runningOnly"/>.</summary>
    public Task<IList<ContainerListResponse>> ListAsync(string project, string? service = null, bool runningOnly = false, CancellationToken ct = default) =>
        ListAsync(ComposeLabels.OfProject(project, service), runningOnly, ct);

    /// <summary>The containers whose labels match <paramref name="filters"/> (e.g. a Swarm service's tasks'), stopped
    /// ones too unless <paramref name="runningOnly"/>.</summary>
    public async Task<IList<ContainerListResponse>> ListAsync(Dictionary<string, IDictionary<string, bool>> filters, bool runningOnly, CancellationToken ct = default)
    {
        if (runningOnly)
            filters["status"] = new Dictionary<string, bool> { ["running"] = true };
        return await client.Containers.ListContainersAsync(new ContainersListParameters { All = !runningOnly, Filters = filters }, ct).ConfigureAwait(false);
    }

    public Task<ContainerInspectResponse> InspectAsync(string containerId, CancellationToken ct = default) =>
        client.Containers.InspectContainerAsync(containerId, ct);

    /// <summary>Stops a container: SIGTERM, and SIGKILL after <paramref name="killAfterSeconds"/>.</summary>
    public Task StopAsync(string containerId, uint killAfterSeconds, CancellationToken ct = default) =>
        client.Containers.StopContainerAsync(containerId, new ContainerStopParameters { WaitBeforeKillSeconds = killAfterSeconds }, ct);

    public Task StartAsync(string containerId, CancellationToken ct = default) =>
        client.Containers.StartContainerAsync(containerId, new ContainerStartParameters(), ct);

    /// <summary>Starts a one-shot container (a compose service that runs and exits) and waits for it to exit; its exit
    /// code. A container that exits before the wait begins is answered at once.</summary>
    public async Task<long> RunToExitAsync(string containerId, CancellationToken ct = default)
    {
        await StartAsync(containerId, ct).ConfigureAwait(false);
        return (await client.Containers.WaitContainerAsync(containerId, ct).ConfigureAwait(false)).StatusCode;
    }

    public Task RemoveAsync(string containerId, CancellationToken ct = default) =>
        client.Containers.RemoveContainerAsync(containerId, new ContainerRemoveParameters { RemoveVolumes = true }, ct);

    /// <summary>The container's last lines of output, stdout and stderr together; none for a container that is gone.</summary>
    public async Task<IReadOnlyList<string>> TailAsync(string containerId, int lines, CancellationToken ct = default)
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
    public Task WatchAsync(string project, DateTimeOffset since, Action<Message> onEvent, CancellationToken ct = default) =>
        client.System.MonitorEventsAsync(new ContainerEventsParameters
        {
            Since = since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["type"] = new Dictionary<string, bool> { ["container"] = true },
                ["label"] = new Dictionary<string, bool> { [$"{ComposeLabels.Project}={project}"] = true },
            },
        }, new InlineProgress<Message>(onEvent), ct);

    /// <summary>Runs a command in a container and waits for its end; standard output also line by line as it arrives.</summary>
    public async Task<(long ExitCode, string Stdout, string Stderr)> ExecAsync(string containerId, IReadOnlyList<string> command, Action<string>? onStdoutLine, CancellationToken ct = default)
    {
        var exec = await client.Exec.CreateContainerExecAsync(containerId, new ContainerExecCreateParameters
        {
            Cmd = [.. command],
            AttachStdout = true,
            AttachStderr = true,
        }, ct).ConfigureAwait(false);
        using var stream = await client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), ct).ConfigureAwait(false);
        var (stdout, stderr) = await EngineStreams.ReadAsync(stream, onStdoutLine, ct).ConfigureAwait(false);
        var inspected = await client.Exec.InspectContainerExecAsync(exec.ID, ct).ConfigureAwait(false);
        return (inspected.ExitCode ?? -1, stdout, stderr);
    }

    /// <summary>The image, or null when the engine does not have it.</summary>
    public async Task<ImageInspectResponse?> InspectImageAsync(string reference, CancellationToken ct = default)
    {
        try
        {
            return await client.Images.InspectImageAsync(reference, ct).ConfigureAwait(false);
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public void Dispose() => client.Dispose();
}
