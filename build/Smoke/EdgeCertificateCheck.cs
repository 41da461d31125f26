using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Mlstack.Build.Smoke;

/// <summary>What SmokeTest expects of the edge's HTTPS: the chain it was given (the operator's, or the self-signed
/// one the build made), and the name clients reach it by (the host of the stack's URL).</summary>
public sealed record EdgeTlsExpectation(string ChainPem, string Name)
{
    /// <summary>Under this many days to expiry, SmokeTest warns.</summary>
    public static readonly TimeSpan WarnBefore = TimeSpan.FromDays(14);

    /// <summary>The certificates of the given chain, the edge's own first.</summary>
    public X509Certificate2Collection Chain()
    {
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(ChainPem);
        return chain;
    }

    /// <summary>Whether the certificate a server presented is the one the edge was given: what the smoke checks'
    /// HTTP client trusts (<see cref="EdgeCertificateCheck"/> says why when it is not).</summary>
    public bool IsServed(X509Certificate? presented) =>
        presented != null && Chain() is [var leaf, ..] && presented.GetRawCertData().AsSpan().SequenceEqual(leaf.RawData);
}

/// <summary>The verdict on a served certificate: why it fails, or what to warn about (either may be null).</summary>
public sealed record EdgeCertificateVerdict(string? Failure, string? Warning, DateTimeOffset NotAfter);

/// <summary>Connects to the edge with TLS and checks what it serves: the certificate it was given, a chain that
/// validates (to the system's roots, or to a root in the given chain: a private CA's, or the self-signed one), the
/// name, and the days until expiry (a warning under 14, a failure once expired).</summary>
public sealed record EdgeCertificateCheck(string Service, EdgeTlsExpectation Expected) : SmokeCheck(Service, "HTTPS certificate: chain, name, expiry")
{
    public override async Task RunAsync(SmokeContext context, CancellationToken ct)
    {
        var url = context.StackUrl;
        X509Certificate2? served = null;
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(url.Host, url.Port, ct).ConfigureAwait(false);
            await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) =>
            {
                served = certificate == null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                return served != null; // judged below, with reasons, once the handshake is done
            });
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = url.Host, EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 }, ct).ConfigureAwait(false);
        }

        var verdict = Judge(served, Expected, DateTimeOffset.UtcNow);
        if (verdict.Warning != null)
            context.Warnings.Enqueue($"edge: {verdict.Warning}");
        if (verdict.Failure != null)
            throw new CheckFailedException("the certificate the edge was given, valid, for " + Expected.Name, verdict.Failure);
    }

    /// <summary>The verdict on what the edge served, at <paramref name="now"/>.</summary>
    public static EdgeCertificateVerdict Judge(X509Certificate2? served, EdgeTlsExpectation expected, DateTimeOffset now)
    {
        if (served == null)
            return new(Failure: "no certificate", null, now);
        var notAfter = new DateTimeOffset(served.NotAfter.ToUniversalTime());
        var given = expected.Chain();
        if (given.Count == 0 || !served.RawData.AsSpan().SequenceEqual(given[0].RawData))
            return new($"another certificate than the one it was given ({served.Subject}, serial {served.SerialNumber})", null, notAfter);
        if (notAfter <= now)
            return new($"a certificate that expired on {notAfter:yyyy-MM-dd HH:mm} UTC", null, notAfter);
        if (!served.MatchesHostname(expected.Name))
            return new($"a certificate for {Names(served)}, not for {expected.Name}", null, notAfter);
        if (ChainError(served, given, now) is { } error)
            return new($"a chain that does not validate: {error}", null, notAfter);
        var left = notAfter - now;
        return new(null, left < EdgeTlsExpectation.WarnBefore ? $"the HTTPS certificate expires in {left.TotalDays:0} days ({notAfter:yyyy-MM-dd} UTC): renew it" : null, notAfter);
    }

    /// <summary>Why the chain does not build, or null: first to the system's roots, then to the given chain's own
    /// self-signed certificates (a private CA's root, or a self-signed edge certificate).</summary>
    private static string? ChainError(X509Certificate2 served, X509Certificate2Collection given, DateTimeOffset now)
    {
        string? error = null;
        foreach (var custom in new[] { false, true })
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationTime = now.UtcDateTime;
            chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
            chain.ChainPolicy.ExtraStore.AddRange(given);
            if (custom)
            {
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(given.Where(c => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData)).ToArray());
            }

            if (chain.Build(served))
                return null;
            error = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        }

        return error;
    }

    private static string Names(X509Certificate2 certificate)
    {
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(e => e.EnumerateDnsNames().Concat(e.EnumerateIPAddresses().Select(a => a.ToString()))).ToList();
        return names.Count > 0 ? string.Join(", ", names) : certificate.Subject;
    }
}
