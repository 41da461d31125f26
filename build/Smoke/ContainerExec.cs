using Docker.DotNet;
using Docker.DotNet.Models;

namespace Mlstack.Build.Smoke;

public sealed record ExecResult(long ExitCode, string Stdout, string Stderr);

/// <summary>Runs a command inside a service's running container, through the engine (local or a remote
/// DOCKER_HOST), so checks need no published port and assume no address.</summary>
public sealed class ContainerExec(DockerClient client, string project) : IDisposable
{
    public async Task<ExecResult> RunAsync(string service, IReadOnlyList<string> command, CancellationToken ct)
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
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(ct).ConfigureAwait(false);
        var inspected = await client.Exec.InspectContainerExecAsync(exec.ID, ct).ConfigureAwait(false);
        return new ExecResult(inspected.ExitCode ?? -1, stdout, stderr);
    }

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
