using Docker.DotNet;
using Docker.DotNet.Models;

namespace Mlstack.Build.Smoke;

public sealed record ExecResult(long ExitCode, string Stdout, string Stderr);

/// <summary>One result of a container's own healthcheck: its exit code, when it ended, what it printed.</summary>
public sealed record HealthResult(long ExitCode, DateTimeOffset Ended, string Output);

/// <summary>Runs a command inside a service's running container, through the engine (local or a remote
/// DOCKER_HOST), so checks need no published port and assume no address.</summary>
public sealed class ContainerExec(DockerClient client, string project) : IDisposable
{
    public Task<ExecResult> RunAsync(string service, IReadOnlyList<string> command, CancellationToken ct) =>
        RunAsync(service, command, onStdoutLine: null, ct);

    /// <param name="onStdoutLine">Each line of standard output as it arrives (a batch reports its probes one by one).</param>
    public async Task<ExecResult> RunAsync(string service, IReadOnlyList<string> command, Action<string>? onStdoutLine, CancellationToken ct)
    {
        var containers = await ContainersAsync(service, runningOnly: true, ct).ConfigureAwait(false);
        var container = containers.FirstOrDefault()
            ?? throw new InvalidOperationException($"no running container for {service}");
        var exec = await client.Exec.CreateContainerExecAsync(container.ID, new ContainerExecCreateParameters
        {
            Cmd = [.. command],
            AttachStdout = true,
            AttachStderr = true,
        }, ct).ConfigureAwait(false);
        using var stream = await client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), ct).ConfigureAwait(false);
        var (stdout, stderr) = await ReadAsync(stream, onStdoutLine, ct).ConfigureAwait(false);
        var inspected = await client.Exec.InspectContainerExecAsync(exec.ID, ct).ConfigureAwait(false);
        return new ExecResult(inspected.ExitCode ?? -1, stdout, stderr);
    }

    /// <summary>A container's (or an exec's) output to its end, standard output also line by line as it arrives.</summary>
    public static async Task<(string Stdout, string Stderr)> ReadAsync(MultiplexedStream stream, Action<string>? onStdoutLine, CancellationToken ct)
    {
        if (onStdoutLine == null)
            return await stream.ReadOutputToEndAsync(ct).ConfigureAwait(false);
        var (stdout, stderr, pending) = (new System.Text.StringBuilder(), new System.Text.StringBuilder(), new System.Text.StringBuilder());
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, ct).ConfigureAwait(false);
            if (read.EOF)
                break;
            var text = System.Text.Encoding.UTF8.GetString(buffer, 0, read.Count);
            if (read.Target != MultiplexedStream.TargetStream.StandardOut)
            {
                stderr.Append(text);
                continue;
            }

            stdout.Append(text);
            pending.Append(text);
            for (var newline = pending.ToString().IndexOf('\n', StringComparison.Ordinal); newline >= 0; newline = pending.ToString().IndexOf('\n', StringComparison.Ordinal))
            {
                onStdoutLine(pending.ToString(0, newline));
                pending.Remove(0, newline + 1);
            }
        }

        return (stdout.ToString(), stderr.ToString());
    }

    /// <summary>The newest result of the running container's own healthcheck, read through the Engine API: no
    /// process is started.</summary>
    public async Task<HealthResult?> LastHealthAsync(string service, CancellationToken ct)
    {
        var container = (await ContainersAsync(service, runningOnly: true, ct).ConfigureAwait(false)).FirstOrDefault()
            ?? throw new InvalidOperationException($"no running container for {service}");
        var inspected = await client.Containers.InspectContainerAsync(container.ID, ct).ConfigureAwait(false);
        var last = inspected.State?.Health?.Log?.LastOrDefault();
        return last == null ? null : new HealthResult(last.ExitCode, new DateTimeOffset(DateTime.SpecifyKind(last.End, DateTimeKind.Utc)), last.Output?.Trim() ?? "");
    }

    /// <summary>The last lines of output of a service's newest container (none when it has no container).</summary>
    public async Task<IReadOnlyList<string>> TailAsync(string service, int lines, CancellationToken ct) =>
        (await ContainersAsync(service, runningOnly: false, ct).ConfigureAwait(false)).MaxBy(c => c.Created) is { } newest
            ? await Gates.StackEngine.TailAsync(client, newest.ID, lines, ct).ConfigureAwait(false)
            : [];

    /// <summary>The exit code of a service's newest container (for one-shots), or null when it has none.</summary>
    public async Task<(string State, long ExitCode)?> LastRunAsync(string service, CancellationToken ct)
    {
        var containers = await ContainersAsync(service, runningOnly: false, ct).ConfigureAwait(false);
        var newest = containers.MaxBy(c => c.Created);
        if (newest == null)
            return null;
        var inspected = await client.Containers.InspectContainerAsync(newest.ID, ct).ConfigureAwait(false);
        return (inspected.State!.Status, inspected.State.ExitCode);
    }

    /// <summary>The service's containers, found by compose's labels (v1 and v2 name containers differently).</summary>
    private async Task<IList<ContainerListResponse>> ContainersAsync(string service, bool runningOnly, CancellationToken ct)
    {
        var filters = new Dictionary<string, IDictionary<string, bool>>
        {
            ["label"] = new Dictionary<string, bool>
            {
                [$"com.docker.compose.project={project}"] = true,
                [$"com.docker.compose.service={service}"] = true,
            },
        };
        if (runningOnly)
            filters["status"] = new Dictionary<string, bool> { ["running"] = true };
        return await client.Containers.ListContainersAsync(new ContainersListParameters { All = !runningOnly, Filters = filters }, ct).ConfigureAwait(false);
    }

    public void Dispose() => client.Dispose();
}
