using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mlstack.Tests.Support;

/// <summary>A throwaway certificate authority made in the test: a root, and server certificates it issues for given
/// names and validity, as the PEM files an operator would hand the build.</summary>
internal sealed class TestCertificateAuthority : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestCertificateAuthority(string name = "mlstack test CA")
    {
        var request = new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddYears(-2), DateTimeOffset.UtcNow.AddYears(5));
    }

    public X509Certificate2 Root { get; }

    public string RootPem => Root.ExportCertificatePem() + "\n";

    /// <summary>A server certificate for <paramref name="names"/> valid from <paramref name="notBefore"/> to
    /// <paramref name="notAfter"/> (default: from yesterday for 90 days).</summary>
    public Issued Issue(IReadOnlyList<string> names, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Mlstack.Build.Stack.EdgeCertificate.ServerRequest($"CN={names[0]}", key, names);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, true, false));
        var from = notBefore ?? DateTimeOffset.UtcNow.AddDays(-1);
        var until = notAfter ?? DateTimeOffset.UtcNow.AddDays(90);
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var leaf = request.Create(Root.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), from, until, serial);
        return new Issued(leaf.ExportCertificatePem() + "\n" + RootPem, key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    public void Dispose()
    {
        Root.Dispose();
        _key.Dispose();
    }

    /// <summary>The chain (the server's certificate, then the root) and the key, as PEM text.</summary>
    public sealed record Issued(string ChainPem, string KeyPem)
    {
        /// <summary>Both as files in <paramref name="folder"/>: what --tls-cert and --tls-key are given.</summary>
        public (string Cert, string Key) WriteTo(string folder, string prefix = "edge")
        {
            Directory.CreateDirectory(folder);
            var (cert, key) = (Path.Combine(folder, $"{prefix}.crt"), Path.Combine(folder, $"{prefix}.key"));
            File.WriteAllText(cert, ChainPem);
            File.WriteAllText(key, KeyPem);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return (cert, key);
        }
    }
}
