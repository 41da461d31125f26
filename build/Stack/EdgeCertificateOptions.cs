using Mlstack.Build.Core;

namespace Mlstack.Build.Stack;

/// <summary>Where HTTPS ends for the stack (docs/https.md).</summary>
public enum EdgeTlsMode
{
    /// <summary>Plain HTTP at the edge: dev.</summary>
    Off,

    /// <summary>The edge serves HTTPS with the operator's certificate (--tls-cert, --tls-key).</summary>
    Certificate,

    /// <summary>The edge serves HTTPS with a certificate the build made (--self-signed).</summary>
    SelfSigned,

    /// <summary>A load balancer in front ends TLS; the edge serves plain HTTP only where it reaches (--tls-at-load-balancer).</summary>
    LoadBalancer,
}

/// <summary>The HTTPS parameters as given, and what they make of the edge: its mode, and the variables compose
/// interpolates in compose.prod.yaml's edge lines.</summary>
public sealed record EdgeCertificateOptions(string? CertFile, string? KeyFile, bool SelfSigned, bool AtLoadBalancer)
{
    public const string Refusal = "Refusing to start prod without HTTPS: give --tls-cert and --tls-key, --self-signed, or --tls-at-load-balancer.";

    /// <summary>The edge's gid, www-data in its image: the group the key is readable by when root writes it.</summary>
    public const int EdgeGroup = 33;

    /// <summary>Where the certificate is mounted, for compose: MLSTACK_EDGE_TLS.</summary>
    public const string FolderVariable = "MLSTACK_EDGE_TLS";

    /// <summary>The mode the parameters ask for; dev is plain HTTP whatever they say (they are for prod).</summary>
    public EdgeTlsMode Mode(StackEnvironment environment)
    {
        if ((CertFile == null) != (KeyFile == null))
            throw new BuildInputException(CertFile == null ? "--tls-key needs --tls-cert: give the certificate chain (PEM) it belongs to." : "--tls-cert needs --tls-key: give the certificate's private key (PEM).");
        var given = (CertFile != null ? 1 : 0) + (SelfSigned ? 1 : 0) + (AtLoadBalancer ? 1 : 0);
        if (given > 1)
            throw new BuildInputException("Give one of --tls-cert/--tls-key, --self-signed and --tls-at-load-balancer: they say different things about where HTTPS ends.");
        if (environment != StackEnvironment.Prod)
            return EdgeTlsMode.Off;
        return CertFile != null ? EdgeTlsMode.Certificate
            : SelfSigned ? EdgeTlsMode.SelfSigned
            : AtLoadBalancer ? EdgeTlsMode.LoadBalancer
            : throw new BuildInputException(Refusal);
    }

    /// <summary>The port users reach: FRONTEND_PORT, else 443 for HTTPS at the edge and 8080 for plain HTTP.</summary>
    public static string PublicPort(IReadOnlyDictionary<string, string> settings, bool https) =>
        settings.GetValueOrDefault("FRONTEND_PORT") is { Length: > 0 } port ? port : https ? "443" : "8080";

    /// <summary>What compose.prod.yaml's edge lines interpolate for <paramref name="mode"/>. HTTPS at the edge: the
    /// front's TLS port published at FRONTEND_PORT (default 443), its redirect at FRONTEND_HTTP_PORT (default 80), the
    /// certificate's folder and the group that may read the key. At a load balancer: plain HTTP at FRONTEND_PORT only,
    /// on FRONTEND_BIND, which must then name an address rather than all of them (the redirect's mapping is made the
    /// same as the main one, which compose merges into one).</summary>
    /// <param name="folder">Where the certificate's files are (this machine's folder, or the VM's).</param>
    public static Dictionary<string, string> ComposeVariables(EdgeTlsMode mode, IReadOnlyDictionary<string, string> settings, string? folder, int group)
    {
        if (mode is EdgeTlsMode.Certificate or EdgeTlsMode.SelfSigned)
        {
            return new()
            {
                ["EDGE_TLS"] = "on",
                ["EDGE_FRONT_PORT"] = "8443",
                ["FRONTEND_PORT"] = PublicPort(settings, https: true),
                ["FRONTEND_HTTP_PORT"] = settings.GetValueOrDefault("FRONTEND_HTTP_PORT") is { Length: > 0 } http ? http : "80",
                [FolderVariable] = folder ?? throw new ArgumentNullException(nameof(folder)),
                ["EDGE_TLS_GID"] = group.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
        }

        if (mode == EdgeTlsMode.LoadBalancer)
        {
            var bind = settings.GetValueOrDefault("FRONTEND_BIND") ?? "127.0.0.1";
            if (bind.Trim('[', ']') is "" or "0.0.0.0" or "::")
                throw new BuildInputException($"--tls-at-load-balancer: FRONTEND_BIND is '{bind}', so plain HTTP would listen on every address of the host; set FRONTEND_BIND in the env file to the one address the load balancer reaches (the VM's private address).");
            var port = PublicPort(settings, https: false);
            return new() { ["EDGE_TLS"] = "off", ["EDGE_FRONT_PORT"] = "8080", ["FRONTEND_PORT"] = port, ["FRONTEND_HTTP_PORT"] = port };
        }

        return [];
    }
}
