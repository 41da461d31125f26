using System.Text;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Core;
using Mlstack.Build.Deploy;
using Mlstack.Build.Engine;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Cluster;

/// <summary>How a cluster's releases are rendered and gated: the stack's name, the roles its hosts have, whether the
/// nodes have IPVS (Preflight says), the project name and override file of the release's compose files, and how long
/// a phase's services may take to be ready.</summary>
public sealed record SwarmRuntimeOptions(string Stack, IReadOnlySet<ClusterRole> Roles, bool HasIpvs, string ProjectName, string EnvironmentFile, TimeSpan PhaseTimeout)
{
    /// <summary>The roles of each host a deploy goes on with when some are left out (--allow-degraded); null when every
    /// host is in it.</summary>
    public IReadOnlyList<IReadOnlyList<ClusterRole>>? Available { get; init; }
}

/// <summary>The stack's smoke checks on a swarm, for a release's <paramref name="services"/>: through the first manager
/// (the Swarm API) and the engine of every node that is part of the release.</summary>
public delegate Task ClusterSmoke(SshSession manager, IReadOnlyList<SshSession> nodes, IReadOnlyList<string> services, CancellationToken ct);

/// <summary>The release state machine's runtime on a swarm (<see cref="ReleaseDeployment"/> does the lock, records,
/// audit and the return to the last good release, on the first manager, exactly as on one VM): a release is rendered
/// once from its own compose files into Swarm stack files kept in its folder (so <c>Rollback --to</c> any kept release
/// deploys what it deployed), then deployed phase by phase, each phase gated from the engine's state.</summary>
public sealed class SwarmReleaseRuntime(SshSession manager, IReadOnlyList<SshSession> nodes, string deployPath, SwarmRuntimeOptions options, ClusterSmoke smoke, BuildLog log)
    : IReleaseRuntime
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly ReleaseStore _store = new(manager, deployPath);
    private readonly HashSet<string> _lowered = new(StringComparer.Ordinal);

    public async Task<bool> StartAsync(string releaseId, CancellationToken ct = default)
    {
        var phases = await PhasesAsync(releaseId, ct).ConfigureAwait(false);
        using var engine = manager.OpenEngine();
        var gate = new SwarmGate(engine, manager, options.Stack, log);
        var since = await gate.ClockAsync(ct).ConfigureAwait(false);
        log.Info($"Deploy: starting release {releaseId} on the swarm (stack {options.Stack}) in {phases.Count} phase(s)");
        foreach (var phase in phases)
        {
            var file = await DeployableAsync(releaseId, phase.Number, ct).ConfigureAwait(false);
            var deployed = await manager.RunAsync(SwarmStackCommands.Deploy(options.Stack, file, prune: phase == phases[^1]), TimeSpan.FromMinutes(5), ct).ConfigureAwait(false);
            if (deployed.ExitCode != 0)
                throw new CommandFailedException($"docker stack deploy of release {releaseId}, phase {phase.Number}, failed on {manager.Target.Host}: {LastLines(deployed.Output)}", deployed.ExitCode, deployed.Output.Split('\n'));
            log.Info($"Deploy: phase {phase.Number}/{phases.Count} deployed ({string.Join(", ", phase.All)}); waiting for it on the engine");
            await gate.WaitAsync(phase, since, options.PhaseTimeout, ct).ConfigureAwait(false);
        }

        await PruneSecretsAsync(engine, PhaseFile(releaseId, phases[^1].Number), ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>The phase's kept stack file; on a deploy that goes on without some nodes, a copy with no more replicas
    /// of a host-mode port's service than the nodes in it can hold (<see cref="SwarmDegradedReplicas"/>), each lowering
    /// said once.</summary>
    private async Task<string> DeployableAsync(string releaseId, int phase, CancellationToken ct)
    {
        var kept = PhaseFile(releaseId, phase);
        if (options.Available is not { } available)
            return kept;
        var text = (await manager.RunAsync(SwarmStackCommands.Read(kept), TimeSpan.FromSeconds(30), ct).ConfigureAwait(false)).EnsureSuccess().Output;
        var (yaml, lowered) = SwarmDegradedReplicas.Cap(text, available);
        foreach (var line in lowered.Where(_lowered.Add))
            log.Warn($"Deploy: {line}");
        if (lowered.Count == 0)
            return kept;
        var degraded = $"{SwarmFolder(releaseId)}/phase-{phase}.degraded.yml";
        await manager.UploadAsync(Encoding.UTF8.GetBytes(yaml), degraded, Private, ct: ct).ConfigureAwait(false);
        return degraded;
    }

    /// <summary>A rotated secret is a new Swarm secret (a new name); the versions the running release does not name go.
    /// Safe for a later return to an older release: its stack file names the secret's file on the manager (kept), and
    /// its stack deploy makes the secret again. One still in use (Swarm refuses) stays.</summary>
    private async Task PruneSecretsAsync(DockerClient engine, string stackFile, CancellationToken ct)
    {
        var named = SwarmYaml.Entries(SwarmYaml.Child(SwarmYaml.Load((await manager.RunAsync(SwarmStackCommands.Read(stackFile), TimeSpan.FromSeconds(30), ct).ConfigureAwait(false)).EnsureSuccess().Output), "secrets"))
            .Select(s => s.Value is YamlDotNet.RepresentationModel.YamlMappingNode secret ? SwarmYaml.Text(secret, "name") : null).ToHashSet(StringComparer.Ordinal);
        foreach (var secret in await engine.Secrets.ListAsync(ct).ConfigureAwait(false))
        {
            if (secret.Spec?.Labels is not { } labels || !labels.TryGetValue(StackNaming.StackLabel, out var stack) || stack != options.Stack || named.Contains(secret.Spec.Name))
                continue;
            try
            {
                await engine.Secrets.DeleteAsync(secret.ID, ct).ConfigureAwait(false);
                log.Info($"Deploy: removed the Swarm secret {secret.Spec.Name}: no service of this release uses that version");
            }
            catch (DockerApiException e)
            {
                log.Warn($"Deploy: kept the Swarm secret {secret.Spec.Name}: {e.Message.Split('\n')[0]}");
            }
        }
    }

    /// <summary>Every published port on every node that runs it (<see cref="SwarmPortSmoke"/>), then the stack's own checks.</summary>
    public async Task SmokeAsync(string releaseId, CancellationToken ct = default)
    {
        using (var engine = manager.OpenEngine())
            await SwarmPortSmoke.CheckAsync(engine, options.Stack, log, ct).ConfigureAwait(false);
        await smoke(manager, nodes, [.. (await PhasesAsync(releaseId, ct).ConfigureAwait(false)).SelectMany(p => p.All)], ct).ConfigureAwait(false);
    }

    public async Task StopAsync(string releaseId, CancellationToken ct = default) =>
        (await manager.RunAsync(SwarmStackCommands.ScaleToZero(options.Stack), TimeSpan.FromMinutes(2), ct).ConfigureAwait(false)).EnsureSuccess();

    /// <summary>On every node: an image a task still uses stays, with a warning.</summary>
    public async Task RemoveImagesAsync(IReadOnlyList<string> imageIds, CancellationToken ct = default)
    {
        foreach (var node in nodes)
        {
            using var engine = node.OpenEngine();
            foreach (var image in imageIds)
            {
                try
                {
                    await engine.Images.DeleteImageAsync(image, new ImageDeleteParameters(), ct).ConfigureAwait(false);
                }
                catch (DockerImageNotFoundException)
                {
                }
                catch (DockerApiException e)
                {
                    log.Warn($"Deploy: kept image {image[..Math.Min(19, image.Length)]} on {node.Target.Host}: {e.Message.Split('\n')[0]}");
                }
            }
        }
    }

    private string SwarmFolder(string releaseId) => $"{_store.ReleaseDirectory(releaseId)}/swarm";

    private string PhaseFile(string releaseId, int phase) => $"{SwarmFolder(releaseId)}/phase-{phase}.yml";

    /// <summary>The release's phases: rendered the first time it starts, read back after (the stack files stay in its
    /// folder for as long as the release is kept).</summary>
    private async Task<IReadOnlyList<SwarmDeployPhase>> PhasesAsync(string releaseId, CancellationToken ct)
    {
        var kept = await manager.RunAsync(SwarmStackCommands.Read($"{SwarmFolder(releaseId)}/phases.json"), TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        if (kept.ExitCode == 0 && kept.Output.Trim().Length > 0)
            return JsonSerializer.Deserialize<List<SwarmDeployPhase>>(kept.Output)!;

        var config = await ComposeConfigAsync(releaseId, ct).ConfigureAwait(false);
        var stack = SwarmStackRenderer.Render(new SwarmStackRequest(config, options.Roles, new Dictionary<string, string>(), SwarmSecretVersions.Of(config), options.HasIpvs, options.Stack));
        foreach (var setting in stack.Dropped.GroupBy(d => (d.Setting, d.Why)))
            log.Info($"Deploy: not carried to the swarm: {setting.Key.Setting} of {string.Join(", ", setting.Select(d => d.Service))} ({setting.Key.Why})");
        foreach (var phase in stack.Phases)
            await manager.UploadAsync(Encoding.UTF8.GetBytes(stack.YamlThroughPhase(phase.Number)), PhaseFile(releaseId, phase.Number), Private, ct: ct).ConfigureAwait(false);
        await manager.UploadAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(stack.Phases)), $"{SwarmFolder(releaseId)}/phases.json", Private, ct: ct).ConfigureAwait(false);
        return stack.Phases;
    }

    /// <summary>compose config of the release's own files on the manager (its .env, its secret files' paths there).</summary>
    private async Task<string> ComposeConfigAsync(string releaseId, CancellationToken ct)
    {
        var project = RemoteCompose.Project(options.ProjectName, _store.ReleaseDirectory(releaseId), options.EnvironmentFile, await RemoteCompose.FindAsync(manager, ct).ConfigureAwait(false));
        var config = await RemoteCompose.For(manager, project)(["config"], ct).ConfigureAwait(false);
        if (config.ExitCode != 0)
            throw new CommandFailedException($"compose config of release {releaseId} failed on {manager.Target.Host}: {string.Join(" | ", config.Output.TakeLast(3))}", config.ExitCode, config.Output);
        return config.Text;
    }

    private static string LastLines(string output) => string.Join(" | ", output.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(3));
}
