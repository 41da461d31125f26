using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Engine;

namespace Mlstack.Build.Smoke;

public sealed record ExecResult(long ExitCode, string Stdout, string Stderr);

/// <summary>One result of a container's own healthcheck: its exit code, when it ended, what it printed.</summary>
public sealed record HealthResult(long ExitCode, DateTimeOffset Ended, string Output);

/// <summary>Runs a command inside a service's running container, through the engine (local or a remote
/// DOCKER_HOST, or the node of a swarm that runs it), so checks need no published port and assume no address.</summary>
public sealed class ContainerExec(IServiceContainers containers) : IDisposable
{
    /// <summary>A compose project's services in one engine (takes ownership of the client).</summary>
    public ContainerExec(DockerClient client, string project)
        : this(new ComposeServiceContainers(client, project))
    {
    }

    public Task<ExecResult> RunAsync(string service, IReadOnlyList<string> command, CancellationToken ct) =>
        RunAsync(service, command, onStdoutLine: null, ct);

    /// <param name="onStdoutLine">Each line of standard output as it arrives (a batch reports its probes one by one).</param>
    public async Task<ExecResult> RunAsync(string service, IReadOnlyList<string> command, Action<string>? onStdoutLine, CancellationToken ct)
    {
        var (engine, container) = await RunningAsync(service, ct).ConfigureAwait(false);
        var (exitCode, stdout, stderr) = await engine.ExecAsync(container.ID, command, onStdoutLine, ct).ConfigureAwait(false);
        return new ExecResult(exitCode, stdout, stderr);
    }

    /// <summary>The newest result of the running container's own healthcheck, read through the Engine API: no
    /// process is started.</summary>
    public async Task<HealthResult?> LastHealthAsync(string service, CancellationToken ct)
    {
        var (engine, container) = await RunningAsync(service, ct).ConfigureAwait(false);
        var inspected = await engine.InspectAsync(container.ID, ct).ConfigureAwait(false);
        var last = inspected.State?.Health?.Log?.LastOrDefault();
        return last == null ? null : new HealthResult(last.ExitCode, new DateTimeOffset(DateTime.SpecifyKind(last.End, DateTimeKind.Utc)), last.Output?.Trim() ?? "");
    }

    /// <summary>The last lines of output of a service's newest container (none when it has no container).</summary>
    public async Task<IReadOnlyList<string>> TailAsync(string service, int lines, CancellationToken ct) =>
        (await containers.ListAsync(service, runningOnly: false, ct).ConfigureAwait(false)).MaxBy(c => c.Container.Created) is { } newest
            ? await newest.Engine.TailAsync(newest.Container.ID, lines, ct).ConfigureAwait(false)
            : [];

    /// <summary>How a one-shot's newest run ended (its state and exit code), or null when it never ran.</summary>
    public Task<(string State, long ExitCode)?> LastRunAsync(string service, CancellationToken ct) =>
        containers.LastRunAsync(service, ct);

    /// <summary>A running container of the service (the first the engines list).</summary>
    private async Task<ServiceContainer> RunningAsync(string service, CancellationToken ct) =>
        (await containers.ListAsync(service, runningOnly: true, ct).ConfigureAwait(false)) is [var first, ..] ? first : throw new NoRunningContainerException(service);

    public void Dispose() => containers.Dispose();
}
