using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mlstack.Build.Core;

namespace Mlstack.Build.Stack;

/// <summary>The certificate chain and key the edge serves HTTPS with, as PEM text: the operator's (<see cref="Load"/>,
/// checked here so a bad pair fails the build in one line instead of the edge at start), or one made for the host
/// (<see cref="SelfSigned"/>). .NET's own X509 classes, no openssl.</summary>
public sealed class EdgeCertificate
{
    private EdgeCertificate(string chainPem, string keyPem, X509Certificate2 leaf)
    {
        ChainPem = chainPem;
        KeyPem = keyPem;
        Leaf = leaf;
    }

    /// <summary>The leaf first, then any intermediates (what nginx's ssl_certificate takes).</summary>
    public string ChainPem { get; }

    /// <summary>The private key: a secret, written only to files no one else may read.</summary>
    public string KeyPem { get; }

    /// <summary>The certificate the edge presents (without its key).</summary>
    public X509Certificate2 Leaf { get; }

    /// <summary>When it expires: what an expiry alert watches.</summary>
    public DateTimeOffset NotAfter => new(Leaf.NotAfter.ToUniversalTime());

    /// <summary>Reads and checks --tls-cert and --tls-key: readable PEM, the key belongs to the certificate, valid now.</summary>
    public static EdgeCertificate Load(string certFile, string keyFile, DateTimeOffset now) =>
        Load(certFile, ReadText(keyFile, "--tls-key"), $"--tls-key {keyFile}", now);

    /// <param name="certFile">The chain's file, or the chain's PEM text itself (a CI variable: a certificate is public).</param>
    /// <param name="keyPem">The key's text (from --tls-key's file, or --tls-private-key itself).</param>
    /// <param name="keySource">How messages name where the key came from; never the key.</param>
    public static EdgeCertificate Load(string certFile, string keyPem, string keySource, DateTimeOffset now)
    {
        var given = IsPem(certFile);
        var chainPem = given ? certFile : ReadText(certFile, "--tls-cert");
        certFile = given ? "(PEM text)" : certFile;
        var chain = new X509Certificate2Collection();
        try
        {
            chain.ImportFromPem(chainPem);
        }
        catch (CryptographicException e)
        {
            throw new BuildInputException($"--tls-cert {certFile}: not a readable PEM certificate chain ({e.Message.TrimEnd('.')}).");
        }

        if (chain.Count == 0)
            throw new BuildInputException($"--tls-cert {certFile}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----, the server's certificate first).");
        if (!keyPem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
            throw new BuildInputException($"{keySource}: no PEM private key in it (expected -----BEGIN PRIVATE KEY----- or an RSA/EC key).");
        if (keyPem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
            throw new BuildInputException($"{keySource}: the key is encrypted; nginx starts unattended, so give it unencrypted (the build writes it readable by the edge alone).");
        var leaf = chain[0];
        try
        {
            using var paired = X509Certificate2.CreateFromPem(leaf.ExportCertificatePem(), keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException) // another key, or another kind of key
        {
            throw new BuildInputException($"{keySource} does not match the certificate in --tls-cert {certFile} (its first certificate, {leaf.Subject}); give the key it was issued for.");
        }

        if (leaf.NotAfter.ToUniversalTime() <= now.UtcDateTime)
            throw new BuildInputException($"--tls-cert {certFile}: the certificate expired on {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; renew it.");
        if (leaf.NotBefore.ToUniversalTime() > now.UtcDateTime)
            throw new BuildInputException($"--tls-cert {certFile}: the certificate is valid only from {leaf.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC.");
        return new EdgeCertificate(Normalise(chainPem), Normalise(keyPem), leaf);
    }

    /// <summary>A certificate for <paramref name="names"/> (DNS names or addresses) signed by its own key: browsers
    /// do not trust it. ECDSA P-256, server authentication, valid a year from a minute ago.</summary>
    public static EdgeCertificate SelfSigned(IReadOnlyList<string> names, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = ServerRequest($"CN={names[0]}, O=mlstack self-signed", key, names);
        using var made = request.CreateSelfSigned(now.AddMinutes(-1), now.AddDays(365));
        return new EdgeCertificate(made.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n", X509CertificateLoader.LoadCertificate(made.RawData));
    }

    /// <summary>The request for a TLS server's certificate: its names (DNS names or addresses) as subject alternative
    /// names, not a CA, for signatures and server authentication only.</summary>
    public static CertificateRequest ServerRequest(string subject, ECDsa key, IReadOnlyList<string> names)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var alternative = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var address))
                alternative.AddIpAddress(address);
            else
                alternative.AddDnsName(name);
        }

        request.CertificateExtensions.Add(alternative.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request;
    }

    /// <summary>A self-signed pair stored earlier (by <see cref="SelfSigned"/>): reused while it covers the names and
    /// has a month left, so a release is not new only because its certificate was made again.</summary>
    public static EdgeCertificate? Reuse(string chainPem, string keyPem, IReadOnlyList<string> names, DateTimeOffset now)
    {
        try
        {
            var leaf = X509Certificate2.CreateFromPem(chainPem);
            using (X509Certificate2.CreateFromPem(chainPem, keyPem))
            {
            }

            var covers = names.All(name => leaf.MatchesHostname(name));
            return covers && leaf.NotAfter.ToUniversalTime() > now.UtcDateTime.AddDays(30) ? new EdgeCertificate(chainPem, keyPem, leaf) : null;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Whether --tls-cert holds the chain itself rather than a file's path.</summary>
    public static bool IsPem(string value) => value.Contains("-----BEGIN", StringComparison.Ordinal);

    private static string ReadText(string path, string parameter)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BuildInputException($"{parameter} {path}: cannot read it ({e.Message.TrimEnd('.')}).");
        }
    }

    private static string Normalise(string pem) => pem.ReplaceLineEndings("\n").TrimEnd('\n') + "\n";
}
