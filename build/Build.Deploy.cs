using Mlstack.Build.Backup;
using Mlstack.Build.Deploy;
using Mlstack.Build.Doctor;
using Mlstack.Build.Gates;
using Mlstack.Build.Host;
using Mlstack.Build.Images;
using Mlstack.Build.Remote;
using Mlstack.Build.Smoke;
using Mlstack.Build.Stack;

namespace Mlstack.Build;

internal sealed partial class Build
{
    [Parameter("Deploy: the VM, [user@]host[:port] (user root, port 22 by default)", Name = "Host")]
    private readonly string? DeployHost;

    [Parameter("Deploy: private key file for the VM (default: ~/.ssh/id_ed25519, id_ecdsa, id_rsa)")]
    private readonly string? SshKey;

    [Parameter("Deploy: the private key itself, as text (for CI: from a secret); instead of --ssh-key"), Secret]
    private readonly string? SshPrivateKey;

    [Parameter("Deploy: OpenSSH known_hosts file that holds the VM's host key (default: ~/.ssh/known_hosts)")]
    private readonly string? KnownHosts;

    [Parameter("Deploy: the VM's host key fingerprint, SHA256:…, instead of a known_hosts file")]
    private readonly string? HostFingerprint;

    [Parameter("Deploy: where releases live on the VM")]
    private readonly string DeployPath = "/srv/mlstack";

    [Parameter("Deploy: healthy releases kept on the VM (current and last good always are)")]
    private readonly int KeepReleases = 5;

    [Parameter("Deploy: how long to wait for another deploy's lock on the VM (default 0: refuse at once)")]
    private readonly TimeSpan LockWait = TimeSpan.Zero;

    [Parameter("Rollback: the release to return to (default: the last good release before current)")]
    private readonly string? To;

    Target Deploy => _ => _
        .Description("Ships a release to --host over SSH (no registry), gates and smoke-tests it there; rolls back by itself when it is not healthy")
        .DependsOn(StackConfig, Images)
        .Requires(() => DeployHost)
        .Executes(async ct =>
        {
            var (images, revision) = (await StackImagesAsync(ct), await RevisionAsync(ct));
            var started = DateTimeOffset.UtcNow;
            var release = new ReleaseInfo(ReleaseStore.NewId(started, revision.ShortSha), revision.Sha, images.ToDictionary(i => i.Reference, i => i.ImageId), Environment.UserName, Environment.MachineName, started, "pending");
            await using var link = new VmLink(ConnectVmAsync, Log, "Deploy");
            await link.RunAsync("shipping images", async vm =>
            {
                using var local = EngineProbe.Client((await DockerAsync(ct)).Engine);
                await ImageShipper.ShipAsync(local, vm, [.. images.Select(i => i.Reference)], Log, Path.Combine(TemporaryDirectory, "registry"), ct);
            }, ct);
            await link.RunAsync($"release {release.Id}", vm => DeployReleaseAsync(vm, release, images, ct), ct);
        });

    /// <summary>Under the VM's deploy lock: upload the release (once), start and gate it, smoke it, and roll back by
    /// itself when it fails. Safe to run again after a lost connection: an uploaded release is not uploaded twice, and
    /// one already found failed goes straight back to the last good release.</summary>
    private async Task DeployReleaseAsync(SshSession vm, ReleaseInfo release, IReadOnlyList<BuiltImage> images, CancellationToken ct)
    {
        var store = new ReleaseStore(vm, DeployPath);
        await using var deployLock = await DeployLock.AcquireAsync(vm, DeployPath, new LockHolder(release.User, release.Machine, release.Id, release.Created), LockWait, Log, ct);
        var listing = await store.ListAsync(ct);
        await RecordInterruptedAsync(store, listing, release.Id, ct);
        var recorded = listing.FirstOrDefault(r => r.Release.Id == release.Id)?.Release;
        BackupEntry? before = null;
        if (recorded == null)
        {
            var project = await StackProjectAsync(ct);
            var config = await ReleaseConfig.UploadAsync(vm, DeployPath, project, ct);
            var settings = new Dictionary<string, string>(ProductionSecrets.Effective(project.EnvFile))
            {
                ["MLSTACK_CONFIG"] = config,
                ["DOCKER_SOCKET"] = await VmEngineSocketAsync(vm, ct),
            };
            foreach (var image in images)
                settings[ImageVariable(image.Spec.ShortName)] = image.Reference;
            var files = ReleaseBundle.Files(project, settings);
            release = release with { Content = ReleaseBundle.Hash(files) };
            if (listing.FirstOrDefault(l => l.IsCurrent)?.Release is { Status: "healthy" } current && current.Content == release.Content)
            {
                await KeepUnchangedAsync(vm, store, current, release, ct);
                return;
            }

            before = await BackUpBeforeSwitchAsync(vm, listing.FirstOrDefault(l => l.IsCurrent)?.Release, release, ct);
            await store.UploadAsync(release, files, ct);
            Log.Info($"Deploy: release {release.Id} uploaded to {store.ReleaseDirectory(release.Id)}");
        }
        else if (recorded.Status == "failed")
        {
            var (activation, upOptions) = await ActivationAsync(vm, store, ct);
            const string reason = "it failed its gates or smoke test before the SSH connection was lost";
            await RollBackAsync(activation, store, release, reason, upOptions, null, ct);
            throw new InvalidOperationException($"Release {release.Id}: {reason}.");
        }

        await ActivateWithRollbackAsync(vm, store, release, before, ct);
    }

    /// <summary>The same images, compose files, config and settings as the healthy current release: no new release.
    /// Its gates run again (bringing back anything stopped since), and its smoke test when they had to touch a
    /// container; as Up does with a stack that did not change.</summary>
    private async Task KeepUnchangedAsync(SshSession vm, ReleaseStore store, ReleaseInfo current, ReleaseInfo ours, CancellationToken ct)
    {
        var (activation, upOptions) = await ActivationAsync(vm, store, ct);
        var audit = ours with { Id = current.Id, Images = current.Images };
        Log.Info($"Deploy: nothing changed since release {current.Id} (same images, compose files, config and settings): no new release; gating it again.");
        try
        {
            if ((await activation.UpAsync(current.Id, upOptions, ct)).NoContainerTouched)
                Log.Info($"Deploy: no container was touched, so no smoke test: {current.Id} passed its own when it went live.");
            else
                await SmokeReleaseAsync(vm, activation, current.Id, ct);
        }
        catch (Exception e) when (e is GateFailedException or SmokeFailedException or InvalidOperationException)
        {
            if (await vm.IsAliveAsync())
                await RecordAsync(store, AuditLine(audit, "failed", $"unchanged release {current.Id} failed its gates or smoke test: {e.Message}"), CancellationToken.None);
            throw;
        }

        await RecordAsync(store, AuditLine(audit, "unchanged", "same images, files and settings; gates passed"), ct);
        Log.Success($"Deploy: release {current.Id} is live on {vm.Target.Host}; nothing changed");
    }

    private async Task SmokeReleaseAsync(SshSession vm, ReleaseActivation activation, string releaseId, CancellationToken ct)
    {
        var services = (await activation.ModelAsync(releaseId, ct)).Services.Select(s => s.Name).ToList();
        await SmokeAsync(vm.OpenEngine(), VmStackAddress(vm, (await StackProjectAsync(ct)).EnvFile), services, ct);
    }

    /// <summary>A release still "pending" while we hold the lock lost its deploy (killed, or cut off for good): it is
    /// marked interrupted, and the audit log says so.</summary>
    private async Task RecordInterruptedAsync(ReleaseStore store, IReadOnlyList<ReleaseListing> listing, string ours, CancellationToken ct)
    {
        foreach (var (release, _, _) in listing)
        {
            if (release.Status != "pending" || release.Id == ours)
                continue;
            await store.SetStatusAsync(release.Id, "interrupted", ct);
            await RecordAsync(store, AuditLine(release, "interrupted", $"its deploy ended without a result; found by the deploy of {ours}"), ct);
            Log.Warn($"Deploy: release {release.Id} was left pending by a deploy that did not finish; marked interrupted.");
        }
    }

    /// <summary>The VM engine's socket, for the scaler's mount: the one its sessions' DOCKER_HOST names, else the default.</summary>
    private static async Task<string> VmEngineSocketAsync(SshSession vm, CancellationToken ct)
    {
        var host = (await vm.RunAsync("printf %s \"${DOCKER_HOST:-}\"", TimeSpan.FromSeconds(30), ct)).Output.Trim();
        return host.StartsWith("unix://", StringComparison.Ordinal) ? host["unix://".Length..] : "/var/run/docker.sock";
    }

    private async Task<SshSession> ConnectVmAsync(CancellationToken ct)
    {
        var target = SshTarget.Parse(DeployHost);
        var session = await SshSession.ConnectAsync(target, HostKeyTrust.From(KnownHosts, HostFingerprint), SshPrivateKey ?? SshKey, ct);
        Log.Info($"Deploy: connected to {target} (host key {session.HostKeyFingerprint})");
        return session;
    }

    /// <summary>How releases start on this VM, and the options of their Up (its record kept per VM and project).</summary>
    private async Task<(ReleaseActivation Activation, UpOptions Options)> ActivationAsync(SshSession vm, ReleaseStore store, CancellationToken ct) =>
        (new ReleaseActivation(vm, store, await RemoteCompose.FindAsync(vm, ct), ProjectName, $"compose.{StackEnvironmentName.ToString().ToLowerInvariant()}.yaml", Log),
         new UpOptions(new Dictionary<string, string>(), Path.Combine(TemporaryDirectory, "up", $"{vm.Target.Host}-{ProjectName}.json"), ServiceTimeout, Live: !Console.IsOutputRedirected, ScaleToZeroTiers()));

    /// <summary>Where SmokeTest reaches the VM's stack: --stack-url, else the VM's address at FRONTEND_PORT.</summary>
    private Uri VmStackAddress(SshSession vm, string envFile) =>
        StackUrl != null ? StackAddress() : new Uri($"http://{vm.Target.Host}:{ProductionSecrets.Effective(envFile).GetValueOrDefault("FRONTEND_PORT") ?? "8080"}");

    /// <param name="before">The backup of the outgoing release's data, when one was taken: named if it rolls back.</param>
    private async Task ActivateWithRollbackAsync(SshSession vm, ReleaseStore store, ReleaseInfo release, BackupEntry? before, CancellationToken ct)
    {
        var (activation, upOptions) = await ActivationAsync(vm, store, ct);
        try
        {
            await activation.UpAsync(release.Id, upOptions, ct);
            await SmokeReleaseAsync(vm, activation, release.Id, ct);
        }
        catch (Exception e) when (e is GateFailedException or SmokeFailedException or InvalidOperationException)
        {
            if (!await vm.IsAliveAsync())
                throw; // not the release's fault: the deploy runs this step again on a fresh connection
            await RollBackAsync(activation, store, release, e.Message, upOptions, before, ct);
            throw;
        }

        await store.SetStatusAsync(release.Id, "healthy", ct);
        await store.PointAsync("current", release.Id, ct);
        await store.PointAsync("last_good", release.Id, ct);
        await PruneAsync(vm, store, ct);
        await RecordAsync(store, AuditLine(release, "deployed", "gates and smoke passed"), ct);
        Log.Success($"Deploy: release {release.Id} is live on {vm.Target.Host}");
    }

    /// <summary>A failed release goes back to the last good one (gated again); with none, the stack is stopped and its
    /// logs stay for reading. Volumes are never touched.</summary>
    private async Task RollBackAsync(ReleaseActivation activation, ReleaseStore store, ReleaseInfo failed, string reason, UpOptions upOptions, BackupEntry? before, CancellationToken ct)
    {
        using var cleanup = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await store.SetStatusAsync(failed.Id, "failed", CancellationToken.None);
        var lastGood = await store.ResolveAsync("last_good", CancellationToken.None);
        if (lastGood == null)
        {
            Log.Error($"Deploy: release {failed.Id} failed and there is no earlier good release to return to; stopping the stack (containers and volumes kept for their logs).");
            await activation.StopAsync(failed.Id, CancellationToken.None);
            await RecordAsync(store, AuditLine(failed, "failed", reason), CancellationToken.None);
            return;
        }

        Log.Error($"Deploy: release {failed.Id} failed ({reason}); rolling back to {lastGood}.");
        await activation.UpAsync(lastGood, upOptions, CancellationToken.None);
        await store.PointAsync("current", lastGood, CancellationToken.None);
        await RecordAsync(store, AuditLine(failed, "rolled back", $"{reason}; back on {lastGood}"), CancellationToken.None);
        Log.Warn($"Deploy: rolled back to {lastGood}; it passed its gates; {DataNote(before, lastGood, restored: false)}.");
    }

    /// <summary>The VM's audit log gets the line; so do the reports (deploy-audit.jsonl, uploaded by the deploy
    /// workflow) and, on GitHub Actions, the run's summary page. No setting's value is in it.</summary>
    private async Task RecordAsync(ReleaseStore store, AuditEntry entry, CancellationToken ct)
    {
        await store.AppendAuditAsync(entry, ct);
        Directory.CreateDirectory(ReportsDirectory);
        await File.AppendAllTextAsync(Path.Combine(ReportsDirectory, "deploy-audit.jsonl"), ReleaseJson.Line(entry) + "\n", CancellationToken.None);
        Log.StepSummary.Append($"**Deploy**: release `{entry.Release}` (git `{entry.GitSha[..Math.Min(7, entry.GitSha.Length)]}`) — **{entry.Outcome}**: {entry.Reason}\n");
    }

    private static AuditEntry AuditLine(ReleaseInfo release, string outcome, string reason) =>
        new(release.User, release.Machine, release.GitSha, release.Id, release.Images, release.Created, DateTimeOffset.UtcNow, outcome, reason);

    /// <summary>Old releases go, and images no kept release uses; current and last good always stay.</summary>
    private async Task PruneAsync(SshSession vm, ReleaseStore store, CancellationToken ct)
    {
        var removed = await store.PruneAsync(KeepReleases, ct);
        if (removed.Count == 0)
            return;
        var kept = (await store.ListAsync(ct)).Select(l => l.Release);
        using var engine = vm.OpenEngine();
        foreach (var image in ReleaseStore.ImagesOnlyIn(removed, kept))
        {
            try
            {
                await engine.Images.DeleteImageAsync(image, new Docker.DotNet.Models.ImageDeleteParameters(), ct);
            }
            catch (Docker.DotNet.DockerApiException e)
            {
                Log.Warn($"Deploy: kept image {image[..Math.Min(19, image.Length)]}: {e.Message.Split('\n')[0]}");
            }
        }

        Log.Info($"Deploy: pruned {removed.Count} old release(s): {string.Join(", ", removed.Select(r => r.Id))}");
    }
}
