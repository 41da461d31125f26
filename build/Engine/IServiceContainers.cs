using Docker.DotNet;
using Docker.DotNet.Models;

namespace Mlstack.Build.Engine;

/// <summary>A container of a service, and the engine it runs in (on a swarm, each node has its own).</summary>
public sealed record ServiceContainer(EngineContainers Engine, ContainerListResponse Container);

/// <summary>Where a stack's services have their containers: one engine's compose project (this machine, a VM), or
/// the engines of a swarm's nodes. What the smoke checks go through, so that they run alike on every site.</summary>
public interface IServiceContainers : IDisposable
{
    /// <summary>The service's containers, stopped ones too unless <paramref name="runningOnly"/>.</summary>
    Task<IReadOnlyList<ServiceContainer>> ListAsync(string service, bool runningOnly, CancellationToken ct);

    /// <summary>How a one-shot's newest run ended: its state ("exited" once it has) and exit code; null when it never ran.</summary>
    Task<(string State, long ExitCode)?> LastRunAsync(string service, CancellationToken ct);
}

/// <summary>A compose project's containers in one engine, found by compose's labels. Disposes the client.</summary>
public sealed class ComposeServiceContainers(DockerClient client, string project) : IServiceContainers
{
    private readonly EngineContainers engine = new(client);

    public async Task<IReadOnlyList<ServiceContainer>> ListAsync(string service, bool runningOnly, CancellationToken ct) =>
        [.. (await engine.ListAsync(project, service, runningOnly, ct).ConfigureAwait(false)).Select(c => new ServiceContainer(engine, c))];

    public async Task<(string State, long ExitCode)?> LastRunAsync(string service, CancellationToken ct)
    {
        var newest = (await engine.ListAsync(project, service, runningOnly: false, ct).ConfigureAwait(false)).MaxBy(c => c.Created);
        if (newest == null)
            return null;
        var inspected = await engine.InspectAsync(newest.ID, ct).ConfigureAwait(false);
        return (inspected.State!.Status, inspected.State.ExitCode);
    }

    public void Dispose() => engine.Dispose();
}
