using Mlstack.Build.Deploy;
using Mlstack.Build.Doctor;
using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Images;
using Mlstack.Build.Remote;
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

    [Parameter("Deploy: first send --canary-share of live traffic to each new HTTP copy for this long, and roll back when its 5xx rate or p99 is worse than the old copies' (default: off)")]
    private readonly TimeSpan? Canary;

    [Parameter("Deploy: the share of traffic in percent a canary gets (default 10)")]
    private readonly double CanaryShare = 10;

    [Parameter("Rollback: the release to return to (default: the last good release before current)")]
    private readonly string? To;

    Target Deploy => _ => _
        .Description("Ships a release to --host over SSH (no registry), or to every node of a swarm (--cluster), gates and smoke-tests it there; rolls back by itself when it is not healthy")
        .DependsOn(StackConfig, Images)
        .Requires(() => DeployHost ?? ClusterInventoryFile)
        .Executes(async ct =>
        {
            if (ClusterInventoryFile != null)
            {
                await DeployClusterAsync(ct);
                return;
            }

            // Before anything ships: prod without HTTPS is refused, a bad certificate named.
            var tls = EdgeTls;
            var certificate = EdgeCertificateFor(tls, [SshTarget.Parse(DeployHost).Host]);
            var (images, revision) = (await StackImagesAsync(ct), await RevisionAsync(ct));
            var release = ReleaseDeployment.Pending(revision.Sha, revision.ShortSha, images.ToDictionary(i => i.Reference, i => i.ImageId), DateTimeOffset.UtcNow);
            await using var link = new VmLink(ConnectVmAsync, Log, "Deploy");
            await link.RunAsync("shipping images", async vm =>
            {
                using var local = EngineProbe.Client((await DockerAsync(ct)).Engine);
                await ImageShipper.ShipAsync(local, vm, [.. images.Select(i => i.Reference)], Log, RegistryCache.Folder(), ct);
            }, ct);
            var canary = CanaryPolicyOf(Canary, CanaryShare);
            await link.RunAsync($"release {release.Id}", vm => new ReleaseDeployment(vm, VmRuntime(vm, canary == null ? null : (release.Id, canary)), VmDeployOptions, Log).RunAsync(
                release,
                files: token => ReleaseFilesAsync(vm, images, tls, certificate, token),
                backUp: (outgoing, incoming, token) => BackUpBeforeSwitchAsync(t => VmBackupSiteAsync(vm, "Deploy", ownsVm: false, t), vm.Target.Host, outgoing, incoming, token),
                ct), ct);
        });

    /// <summary>--canary and --canary-share, checked: null when no canary was asked for.</summary>
    private static CanaryPolicy? CanaryPolicyOf(TimeSpan? window, double sharePercent)
    {
        if (window is not { } length || length <= TimeSpan.Zero)
            return null;
        if (sharePercent is <= 0 or > 50)
            throw new BuildInputException($"--canary-share is {sharePercent.ToString(System.Globalization.CultureInfo.InvariantCulture)}; give a percentage above 0 and at most 50 (default 10).");
        return new CanaryPolicy(length, sharePercent / 100);
    }

    private DeployOptions VmDeployOptions => new(DeployHost ?? string.Empty, DeployPath, KeepReleases, LockWait, ReportsDirectory);

    /// <summary>The release's files; with HTTPS at the edge, its certificate among them and the edge's settings for it.</summary>
    private async Task<IReadOnlyList<ReleaseFile>> ReleaseFilesAsync(SshSession vm, IReadOnlyList<BuiltImage> images, EdgeTlsMode tls, EdgeCertificate? certificate, CancellationToken ct)
    {
        var project = await StackProjectAsync(ct);
        var settings = WithPrivateApi(ProductionSecrets.Effective(project.EnvFile));
        var group = certificate == null ? EdgeCertificateOptions.EdgeGroup
            : int.Parse((await vm.RunAsync(EdgeCertificateRelease.VmGroupCommand, TimeSpan.FromSeconds(30), ct)).EnsureSuccess().Output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (variable, value) in EdgeCertificateOptions.ComposeVariables(tls, settings, EdgeCertificateRelease.VmFolder(DeployPath), group))
            settings[variable] = value;
        var files = await ReleasePreparation.FilesAsync(vm, DeployPath, project, settings, ComposeImages.Variables(images), ct: ct);
        return certificate == null ? files : [.. files, .. EdgeCertificateRelease.ReleaseFiles(certificate)];
    }

    /// <summary>The stack on the VM as Deploy and Rollback drive it: Up's gates, and SmokeTest at the VM's address.</summary>
    /// <param name="canary">The release a canary judges, and how: only that one; a return to the last good release
    /// moves its traffic at once.</param>
    private VmReleaseRuntime VmRuntime(SshSession vm, (string Release, CanaryPolicy Policy)? canary = null) =>
        new(vm, token => ActivationAsync(vm, new ReleaseStore(vm, DeployPath), token), async (services, token) =>
        {
            var (url, tls) = await VmSmokeTargetAsync(vm, token); // HTTPS when the release gave the edge a certificate
            await SmokeAsync(vm.OpenEngine(), url, services, token, tls: tls);
        }, Log)
        {
            Canary = canary,
        };

    private Task<SshSession> ConnectVmAsync(CancellationToken ct) =>
        ConnectAsync(SshTarget.Parse(DeployHost), HostKeyTrust.From(KnownHosts, HostFingerprint), SshPrivateKey ?? SshKey, "Deploy", ct);

    /// <summary>An SSH session to a VM with the host key pinned, and a line that says which key it showed.</summary>
    private async Task<SshSession> ConnectAsync(SshTarget target, HostKeyTrust trust, string? key, string who, CancellationToken ct)
    {
        var session = await SshSession.ConnectAsync(target, trust, key, ct);
        Log.Info($"{who}: connected to {target} (host key {session.HostKeyFingerprint})");
        return session;
    }

    /// <summary>How releases start on this VM, and the options of their Up: its record is the VM's (ReleaseActivation
    /// fetches it into this local working file and puts it back).</summary>
    private async Task<(ReleaseActivation Activation, UpOptions Options)> ActivationAsync(SshSession vm, ReleaseStore store, CancellationToken ct) =>
        (new ReleaseActivation(vm, store, await RemoteCompose.FindAsync(vm, ct), ProjectName, $"compose.{StackEnvironmentName.ToString().ToLowerInvariant()}.yaml", Log),
         new UpOptions(new Dictionary<string, string>(), Path.Combine(TemporaryDirectory, "up", $"{vm.Target.Host}-{ProjectName}.json"), ServiceTimeout, Live: !Console.IsOutputRedirected, ScaleToZeroTiers()));

    /// <summary>Where SmokeTest reaches the VM's stack: --stack-url, else the VM's address at FRONTEND_PORT (by
    /// default 443 with HTTPS at the edge, else 8080).</summary>
    private Uri VmStackAddress(SshSession vm, string envFile, bool https = false) =>
        StackUrl != null ? StackAddress() : new Uri($"http://{vm.Target.Host}:{EdgeCertificateOptions.PublicPort(ProductionSecrets.Effective(envFile), https)}");
}
