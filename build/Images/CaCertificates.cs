using Mlstack.Build.Core;

namespace Mlstack.Build.Images;

/// <summary>The extra CA certificates builds must trust to download over https behind an intercepting proxy.</summary>
public static class CaCertificates
{
    /// <param name="given">A PEM file or a folder of them; null: NODE_EXTRA_CA_CERTS, else SSL_CERT_FILE, else none.</param>
    public static IReadOnlyList<string> Find(string? given)
    {
        var path = given ?? Environment.GetEnvironmentVariable("NODE_EXTRA_CA_CERTS") ?? Environment.GetEnvironmentVariable("SSL_CERT_FILE");
        if (string.IsNullOrWhiteSpace(path))
            return [];
        if (File.Exists(path))
            return [Path.GetFullPath(path)];
        if (Directory.Exists(path))
        {
            return [.. Directory.EnumerateFiles(path)
                .Where(f => f.EndsWith(".crt", StringComparison.Ordinal) || f.EndsWith(".pem", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)];
        }

        throw new BuildInputException($"--extra-ca-certs {path}: no such file or folder; pass a PEM file or a folder of .crt/.pem files.");
    }
}
