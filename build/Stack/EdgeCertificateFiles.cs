using System.Security.Cryptography;
using System.Text;
using Mlstack.Build.Core;

namespace Mlstack.Build.Stack;

/// <summary>How the edge's certificate and key reach it: as two files in a folder mounted read-only at /etc/mlstack/tls
/// (fullchain.pem 0444, privkey.pem 0440, the folder 0750), never world-readable. The edge runs as www-data (uid and
/// gid 33) with a read-only root filesystem: the key's group is the one the edge may read it through. Root (a VM, CI)
/// gives the files to group 33, the edge's own; a developer who is not root cannot, so the files keep the developer's
/// primary group and compose gives the edge that group too (group_add, EDGE_TLS_GID). Every file is renamed into place
/// whole, so a running edge never reads half a key; `edge reload` then applies a changed pair (a graceful reload).
/// Kept apart from the passwords' files so it can join a shared secret-file writer later.</summary>
public static class EdgeCertificateFiles
{
    public const string Chain = "fullchain.pem";
    public const string Key = "privkey.pem";

    /// <summary>The certificate's expiry as a Prometheus metric in the text format, beside the pair: the edge serves it
    /// to Prometheus (<see cref="MetricsPort"/>) for the EdgeCertificate alerts.</summary>
    public const string Expiry = "edge_certificate.prom";

    public const UnixFileMode ChainMode = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    public const UnixFileMode KeyMode = UnixFileMode.UserRead | UnixFileMode.GroupRead;
    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    /// <summary>This machine's folder for a compose project's edge certificate.</summary>
    public static string LocalFolder(string temporaryDirectory, string project) => Path.Combine(temporaryDirectory, "edge-tls", project);

    /// <summary>The group the key is given to when this process writes it: the edge's own as root, else ours.</summary>
    public static int Group => UnixFiles.GroupFor(EdgeCertificateOptions.EdgeGroup);

    /// <summary>Writes the pair into <paramref name="folder"/> on this machine; returns <see cref="Hash"/> of it.</summary>
    public static string Write(string folder, EdgeCertificate certificate)
    {
        Directory.CreateDirectory(folder);
        var group = Group;
        UnixFiles.GiveToGroup(folder, group, FolderMode);
        WriteWhole(folder, Chain, certificate.ChainPem, ChainMode, group);
        WriteWhole(folder, Key, certificate.KeyPem, KeyMode, group);
        WriteWhole(folder, Expiry, ExpiryMetric(certificate), ChainMode, group);
        return Hash(certificate.ChainPem, certificate.KeyPem);
    }

    /// <summary>Removes the pair (the stack's edge no longer serves HTTPS: SmokeTest then speaks plain HTTP).</summary>
    public static void Clear(string folder)
    {
        File.Delete(Path.Combine(folder, Chain));
        File.Delete(Path.Combine(folder, Key));
        File.Delete(Path.Combine(folder, Expiry));
    }

    /// <summary>The metric the edge serves on <see cref="MetricsPort"/> and the EdgeCertificate alerts read.</summary>
    public const string ExpiryMetricName = "mlstack_edge_certificate_expiry_timestamp_seconds";

    /// <summary>The edge's port for Prometheus (docker/edge/front.conf): the file <see cref="Expiry"/>, as it is now.</summary>
    public const int MetricsPort = 9145;

    /// <summary>When the certificate the edge serves expires (Unix time), in Prometheus' text format.</summary>
    public static string ExpiryMetric(EdgeCertificate certificate) =>
        $"# HELP {ExpiryMetricName} When the edge's HTTPS certificate expires (Unix time).\n"
        + $"# TYPE {ExpiryMetricName} gauge\n"
        + $"{ExpiryMetricName} {certificate.NotAfter.ToUnixTimeSeconds()}\n";

    /// <summary>The chain the stack's edge was last given on this machine, or null when it serves plain HTTP.</summary>
    public static string? ReadChain(string folder) =>
        File.Exists(Path.Combine(folder, Chain)) ? File.ReadAllText(Path.Combine(folder, Chain)) : null;

    /// <summary>What identifies the pair, for Up to see a change (then `edge reload` applies it).</summary>
    public static string Hash(string chainPem, string keyPem) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(chainPem + "\0" + keyPem)));

    private static void WriteWhole(string folder, string name, string text, UnixFileMode mode, int group)
    {
        var incoming = Path.Combine(folder, $".{name}.incoming");
        File.Delete(incoming);
        UnixFiles.WriteOwnerOnly(incoming, Encoding.UTF8.GetBytes(text)); // never wider while it is written
        UnixFiles.GiveToGroup(incoming, group, mode);
        File.Move(incoming, Path.Combine(folder, name), overwrite: true);
    }
}
