using Mlstack.Build.Core;
using Mlstack.Build.Deploy;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;
using Mlstack.Build.Smoke;
using Mlstack.Build.Stack;

namespace Mlstack.Build;

/// <summary>HTTPS at the edge (docs/https.md): prod serves HTTPS with the operator's certificate, or a self-signed one
/// when asked, or states that a load balancer in front ends TLS; without one of those, Up and Deploy refuse prod.</summary>
internal sealed partial class Build
{
    [Parameter("Prod: the edge's HTTPS certificate chain, a PEM file (the server's certificate first, then intermediates), or its PEM text (CI); with --tls-key")]
    private readonly string? TlsCert;

    [Parameter("Prod: the private key of --tls-cert, a PEM file (delivered to the edge readable by it alone)")]
    private readonly string? TlsKey;

    [Parameter("Prod: the private key of --tls-cert itself, as text (for CI: from a secret); instead of --tls-key"), Secret]
    private readonly string? TlsPrivateKey;

    [Parameter("Prod: serve HTTPS with a self-signed certificate the build makes for the host (browsers will warn); for trying out")]
    private readonly bool SelfSigned;

    [Parameter("Prod: TLS ends at a load balancer in front of the host; the edge serves plain HTTP on FRONTEND_BIND only (not 0.0.0.0)")]
    private readonly bool TlsAtLoadBalancer;

    /// <summary>--tls-cert: a file (relative to the root), or the chain's PEM text itself.</summary>
    private string CertificateChain => EdgeCertificate.IsPem(TlsCert!) ? TlsCert! : Path.GetFullPath(TlsCert!, RootDirectory);

    private EdgeCertificateOptions EdgeTlsParameters =>
        new(TlsCert, TlsKey ?? (TlsPrivateKey != null ? "--tls-private-key" : null), SelfSigned, TlsAtLoadBalancer);

    /// <summary>Where HTTPS ends for this run's stack; refuses prod without an answer.</summary>
    private EdgeTlsMode EdgeTls => EdgeTlsParameters.Mode(StackEnvironmentName);

    /// <summary>The compose variables of the edge's HTTPS when a TLS parameter was given (prod), for reading the
    /// config; none otherwise: compose.prod.yaml's defaults (plain HTTP) stand, and Up and Deploy refuse.</summary>
    private Dictionary<string, string> EdgeTlsComposeVariables()
    {
        var given = EdgeTlsParameters;
        if (StackEnvironmentName != StackEnvironment.Prod || given is { CertFile: null, KeyFile: null, SelfSigned: false, AtLoadBalancer: false })
            return [];
        return EdgeCertificateOptions.ComposeVariables(EdgeTls, ProductionSecrets.Effective(StackEnvFilePath()), EdgeCertificateFiles.LocalFolder(TemporaryDirectory, ProjectName), EdgeCertificateFiles.Group);
    }

    /// <summary>The certificate the edge serves in <paramref name="mode"/>: the operator's, checked, or a self-signed
    /// one for <paramref name="names"/> (said loudly); null without HTTPS at the edge.</summary>
    private EdgeCertificate? EdgeCertificateFor(EdgeTlsMode mode, IReadOnlyList<string> names)
    {
        var now = DateTimeOffset.UtcNow;
        var certificate = mode switch
        {
            EdgeTlsMode.Certificate => TlsKey != null
                ? EdgeCertificate.Load(CertificateChain, Path.GetFullPath(TlsKey, RootDirectory), now)
                : EdgeCertificate.Load(CertificateChain, TlsPrivateKey!, "--tls-private-key", now),
            EdgeTlsMode.SelfSigned => SelfSignedCertificate(names, now),
            _ => null,
        };
        if (certificate != null)
            Log.Info($"HTTPS: the edge serves {certificate.Leaf.Subject}, valid until {certificate.NotAfter:yyyy-MM-dd HH:mm} UTC ({(certificate.NotAfter - now).TotalDays:0} days)");
        return certificate;
    }

    /// <summary>Made once per set of names and kept (owner-only) under .nuke/temp, so releases stay the same.</summary>
    private EdgeCertificate SelfSignedCertificate(IReadOnlyList<string> names, DateTimeOffset now)
    {
        var folder = Path.Combine(TemporaryDirectory, "edge-tls", "self-signed", string.Join('_', names).Replace(':', '-'));
        var (chain, key) = (Path.Combine(folder, EdgeCertificateFiles.Chain), Path.Combine(folder, EdgeCertificateFiles.Key));
        var certificate = File.Exists(chain) && File.Exists(key) ? EdgeCertificate.Reuse(File.ReadAllText(chain), File.ReadAllText(key), names, now) : null;
        if (certificate == null)
        {
            certificate = EdgeCertificate.SelfSigned(names, now);
            Directory.CreateDirectory(folder);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.WriteAllText(chain, certificate.ChainPem);
            File.Delete(key);
            Core.UnixFiles.WriteOwnerOnly(key, System.Text.Encoding.UTF8.GetBytes(certificate.KeyPem)); // the key: owner-only from its creation
        }

        Log.Warn($"WARNING: --self-signed: the edge serves HTTPS with a self-signed certificate for {string.Join(", ", names)} (made by the build, valid until {certificate.NotAfter:yyyy-MM-dd}); browsers will warn that it is not trusted. Give --tls-cert and --tls-key for a real one.");
        return certificate;
    }

    /// <summary>Up on this machine: refuses prod without HTTPS; delivers the certificate to the folder the edge
    /// mounts, or removes it; returns a hash of what the edge now holds (empty without HTTPS at the edge).</summary>
    private string PrepareLocalEdgeTls()
    {
        var mode = EdgeTls;
        var folder = EdgeCertificateFiles.LocalFolder(TemporaryDirectory, ProjectName);
        if (EdgeCertificateFor(mode, ["localhost", "127.0.0.1", "::1"]) is not { } certificate)
        {
            if (Directory.Exists(folder))
                EdgeCertificateFiles.Clear(folder);
            return string.Empty;
        }

        return EdgeCertificateFiles.Write(folder, certificate);
    }

    /// <summary>What SmokeTest expects at <paramref name="url"/> given the chain the edge holds (null: plain HTTP).</summary>
    private static (Uri Url, EdgeTlsExpectation? Tls) SmokeTarget(Uri url, string? chainPem) =>
        string.IsNullOrWhiteSpace(chainPem) ? (url, null)
            : (new UriBuilder(url) { Scheme = Uri.UriSchemeHttps, Port = url.Port }.Uri, new EdgeTlsExpectation(chainPem, url.Host));

    /// <summary>Where SmokeTest reaches the stack on this machine: HTTPS when the last Up here gave the edge a
    /// certificate (and --stack-url, if given, says https).</summary>
    private (Uri Url, EdgeTlsExpectation? Tls) LocalSmokeTarget()
    {
        var chain = StackUrl == null || StackUrl.StartsWith("https:", StringComparison.OrdinalIgnoreCase)
            ? EdgeCertificateFiles.ReadChain(EdgeCertificateFiles.LocalFolder(TemporaryDirectory, ProjectName)) : null;
        return SmokeTarget(StackAddress(https: chain != null), chain);
    }

    /// <summary>Where SmokeTest reaches the VM's stack: HTTPS when the current release gave its edge a certificate.</summary>
    private async Task<(Uri Url, EdgeTlsExpectation? Tls)> VmSmokeTargetAsync(SshSession vm, CancellationToken ct)
    {
        var chain = StackUrl == null || StackUrl.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? await VmEdgeChainAsync(vm, ct) : null;
        return SmokeTarget(VmStackAddress(vm, (await StackProjectAsync(ct)).EnvFile, https: chain != null), chain);
    }

    /// <summary>The chain the VM's edge serves now (after a release's start copied it there), or null.</summary>
    private async Task<string?> VmEdgeChainAsync(SshSession vm, CancellationToken ct)
    {
        var read = await vm.RunAsync(EdgeCertificateRelease.ReadOnVm(DeployPath), TimeSpan.FromSeconds(30), ct);
        return read.Output.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal) ? read.Output : null;
    }
}
