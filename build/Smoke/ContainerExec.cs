using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Engine;

namespace Mlstack.Build.Smoke;

public sealed record ExecResult(long ExitCode, string Stdout, string Stderr);

/// <summary>One result of a container's own healthcheck: its exit code, when it ended, what it printed.</summary>
public sealed record HealthResult(long ExitCode, DateTimeOffset Ended, string Output);

/// <summary>Runs a command inside a service's running container, through the engine (local or a remote
/// DOCKER_HOST), so checks need no published port and assume no address.</summary>
public sealed class ContainerExec(DockerClient client, string project) : IDisposable
{
    private readonly EngineContainers containers = new(client);

    public Task<ExecResult> RunAsync(string service, IReadOnlyList<string> command, CancellationToken ct) =>
        RunAsync(service, command, onStdoutLine: null, ct);

    /// <param name="onStdoutLine">Each line of standard output as it arrives (a batch reports its probes one by one).</param>
    public async Task<ExecResult> RunAsync(string service, IReadOnlyList<string> command, Action<string>? onStdoutLine, CancellationToken ct)
    {
        var container = (await ContainersAsync(service, runningOnly: true, ct).ConfigureAwait(false)).FirstOrDefault()
            ?? throw new NoRunningContainerException(service);
        var (exitCode, stdout, stderr) = await containers.ExecAsync(container.ID, command, onStdoutLine, ct).ConfigureAwait(false);
        return new ExecResult(exitCode, stdout, stderr);
    }

    /// <summary>The newest result of the running container's own healthcheck, read through the Engine API: no
    /// process is started.</summary>
    public async Task<HealthResult?> LastHealthAsync(string service, CancellationToken ct)
    {
        var container = (await ContainersAsync(service, runningOnly: true, ct).ConfigureAwait(false)).FirstOrDefault()
            ?? throw new NoRunningContainerException(service);
        var inspected = await containers.InspectAsync(container.ID, ct).ConfigureAwait(false);
        var last = inspected.State?.Health?.Log?.LastOrDefault();
        return last == null ? null : new HealthResult(last.ExitCode, new DateTimeOffset(DateTime.SpecifyKind(last.End, DateTimeKind.Utc)), last.Output?.Trim() ?? "");
    }

    /// <summary>The last lines of output of a service's newest container (none when it has no container).</summary>
    public async Task<IReadOnlyList<string>> TailAsync(string service, int lines, CancellationToken ct) =>
        (await ContainersAsync(service, runningOnly: false, ct).ConfigureAwait(false)).MaxBy(c => c.Created) is { } newest
            ? await containers.TailAsync(newest.ID, lines, ct).ConfigureAwait(false)
            : [];

    /// <summary>The exit code of a service's newest container (for one-shots), or null when it has none.</summary>
    public async Task<(string State, long ExitCode)?> LastRunAsync(string service, CancellationToken ct)
    {
        var newest = (await ContainersAsync(service, runningOnly: false, ct).ConfigureAwait(false)).MaxBy(c => c.Created);
        if (newest == null)
            return null;
        var inspected = await containers.InspectAsync(newest.ID, ct).ConfigureAwait(false);
        return (inspected.State!.Status, inspected.State.ExitCode);
    }

    /// <summary>The service's containers, found by compose's labels (v1 and v2 name containers differently).</summary>
    private Task<IList<ContainerListResponse>> ContainersAsync(string service, bool runningOnly, CancellationToken ct) =>
        containers.ListAsync(project, service, runningOnly, ct);

    public void Dispose() => containers.Dispose();
}
