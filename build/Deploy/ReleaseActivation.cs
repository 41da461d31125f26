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
        await FetchRecordAsync(options.RecordFile, ct).ConfigureAwait(false);
        log.Info($"Deploy: starting release {releaseId} on {vm.Target.Host}");
        try
        {
            return await StackUp.RunAsync(model, engine, RemoteCompose.For(vm, Project(releaseId)), options, log, ct).ConfigureAwait(false);
        }
        finally
        {
            await KeepRecordAsync(options.RecordFile).ConfigureAwait(false);
        }
    }

    /// <summary>The VM's record of what its last Up left running, as the local file Up reads (none: none).</summary>
    private async Task FetchRecordAsync(string localFile, CancellationToken ct)
    {
        var text = (await vm.RunAsync(ReleaseCommands.ReadUpRecord(store.DeployPath, projectName), TimeSpan.FromSeconds(30), ct).ConfigureAwait(false)).EnsureSuccess().Output;
        Directory.CreateDirectory(Path.GetDirectoryName(localFile)!);
        if (string.IsNullOrWhiteSpace(text))
            File.Delete(localFile);
        else
            await File.WriteAllTextAsync(localFile, text, ct).ConfigureAwait(false);
    }

    /// <summary>What this Up left as its record, back on the VM (hashes and container ids: no secret). Best effort: a
    /// record that did not arrive costs the next deploy a full compose up, not a request; a lost connection is the
    /// story then.</summary>
    private async Task KeepRecordAsync(string localFile)
    {
        try
        {
            var record = File.Exists(localFile) ? await File.ReadAllBytesAsync(localFile).ConfigureAwait(false) : [];
            await vm.UploadAsync(record, ReleaseCommands.UpRecordFile(store.DeployPath, projectName), UnixFileMode.UserRead | UnixFileMode.UserWrite, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.Warn($"Deploy: could not keep the record of what runs on {vm.Target.Host} ({e.Message}); the next deploy starts every changed service afresh");
        }
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
