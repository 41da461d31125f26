using Docker.DotNet;
using Mlstack.Build.Core;
using Mlstack.Build.Deploy.Commands;
using Mlstack.Build.Doctor;
using Mlstack.Build.Gates;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Deploy;

/// <summary>Starts one release on the VM the way Up starts the stack here: compose up of that release's files over
/// SSH, and the same health gates watching the VM's engine. The model comes from the VM's own compose config of
/// that release, so a rollback is gated by the goals of the release it returns to. Compose runs through the shell;
/// the gates need the VM's engine, which <paramref name="openEngine"/> opens.</summary>
public sealed class ReleaseActivation(IRemoteShell vm, Func<DockerClient> openEngine, ReleaseStore store, ComposeCli cli, string projectName, string environmentFile, BuildLog log)
{
    public ReleaseActivation(SshSession vm, ReleaseStore store, ComposeCli cli, string projectName, string environmentFile, BuildLog log)
        : this(vm, () => vm.OpenEngine(), store, cli, projectName, environmentFile, log)
    {
    }

    public ComposeProject Project(string releaseId) =>
        RemoteCompose.Project(projectName, store.ReleaseDirectory(releaseId), environmentFile, cli);

    public async Task<ComposeModel> ModelAsync(string releaseId, CancellationToken ct = default)
    {
        var config = await RemoteCompose.For(vm, Project(releaseId))(["config"], ct).ConfigureAwait(false);
        if (config.ExitCode != 0)
            throw new CommandFailedException($"compose config of release {releaseId} failed on {vm.Target.Host}: {string.Join(" | ", config.Output.TakeLast(3))}", config.ExitCode, config.Output);
        return ComposeConfigReader.Parse(config.Text);
    }

    /// <summary>compose up of the release, then its gates; throws <see cref="GateFailedException"/> (after printing
    /// the failing service's last log lines) when a service does not become ready.</summary>
    public async Task<GateResult> UpAsync(string releaseId, UpOptions options, CancellationToken ct = default)
    {
        var model = await ModelAsync(releaseId, ct).ConfigureAwait(false);
        options = options with { EdgeConfig = await SyncEdgeAsync(releaseId, ct).ConfigureAwait(false) };
        using var engine = new StackEngine(openEngine(), projectName);
        log.Info($"Deploy: starting release {releaseId} on {vm.Target.Host}");
        return await StackUp.RunAsync(model, engine, RemoteCompose.For(vm, Project(releaseId)), options, log, ct).ConfigureAwait(false);
    }

    /// <summary>The release's edge routes, and its TLS certificate (or none), into the paths the edge mounts; a hash of
    /// them, for Up to see a change (then `edge reload` applies both).</summary>
    private async Task<string> SyncEdgeAsync(string releaseId, CancellationToken ct)
    {
        var synced = await vm.RunAsync(ReleaseCommands.SyncEdge(store.DeployPath, releaseId), TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        var tls = await vm.RunAsync(EdgeCertificateRelease.SyncOnVm(store.DeployPath, store.ReleaseDirectory(releaseId)), TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        return synced.EnsureSuccess().Output.Trim() + tls.EnsureSuccess().Output.Trim();
    }

    /// <summary>Stops the stack's containers, keeping them (and every volume) for their logs.</summary>
    public async Task StopAsync(string releaseId, CancellationToken ct = default) =>
        await RemoteCompose.For(vm, Project(releaseId))(["stop"], ct).ConfigureAwait(false);
}
