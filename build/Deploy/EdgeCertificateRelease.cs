using System.Text;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Deploy;

/// <summary>How the edge's certificate travels with a release to the VM: two files of the release (tls/, in its
/// owner-only folder), copied at its start into the one folder the VM's edge mounts, with the modes and group of
/// <see cref="EdgeCertificateFiles"/>. A rollback copies its own release's pair back.</summary>
public static class EdgeCertificateRelease
{
    /// <summary>The pair as files of a release (tls/, inside the release's owner-only folder; the key owner-only too).
    /// <see cref="SyncOnVm"/> copies them to the folder the edge mounts.</summary>
    public static IReadOnlyList<ReleaseFile> ReleaseFiles(EdgeCertificate certificate) =>
    [
        new($"tls/{EdgeCertificateFiles.Chain}", Encoding.UTF8.GetBytes(certificate.ChainPem), EdgeCertificateFiles.ChainMode | UnixFileMode.UserWrite),
        new($"tls/{EdgeCertificateFiles.Key}", Encoding.UTF8.GetBytes(certificate.KeyPem), UnixFileMode.UserRead),
        new($"tls/{EdgeCertificateFiles.Expiry}", Encoding.UTF8.GetBytes(EdgeCertificateFiles.ExpiryMetric(certificate)), EdgeCertificateFiles.ChainMode | UnixFileMode.UserWrite),
    ];

    /// <summary>The VM's folder the edge mounts: one path for every release, so a release with a new certificate
    /// reloads the edge instead of recreating it.</summary>
    public static string VmFolder(string deployPath) => $"{deployPath}/tls";

    /// <summary>The group the key gets on the VM: the edge's own when the SSH user is root, else the user's.</summary>
    public const string VmGroupCommand = "if [ \"$(id -u)\" = 0 ]; then echo 33; else id -g; fi";

    /// <summary>Copies the release's pair (if it has one) into <see cref="VmFolder"/>, each file renamed into place
    /// whole with its group (EDGE_TLS_GID in the release's .env) and mode; a release without one empties the folder.
    /// Prints a hash of what is there now, for Up to see a change.</summary>
    public static string SyncOnVm(string deployPath, string releaseDirectory)
    {
        string Q(string word) => AtomicUpload.Quote(word);
        var (source, target) = ($"{releaseDirectory}/tls", VmFolder(deployPath));
        return "set -e; umask 077; "
            + $"gid=$(sed -n 's/^EDGE_TLS_GID=//p' {Q($"{releaseDirectory}/.env")} | tail -n 1); gid=${{gid:-33}}; "
            + $"mkdir -p {Q(target)}; chgrp \"$gid\" {Q(target)}; chmod 750 {Q(target)}; "
            + $"if [ -f {Q($"{source}/{EdgeCertificateFiles.Chain}")} ]; then "
            + $"for f in {EdgeCertificateFiles.Chain}:444 {EdgeCertificateFiles.Key}:440 {EdgeCertificateFiles.Expiry}:444; do name=${{f%%:*}}; cp {Q(source)}/\"$name\" {Q(target)}/.incoming; chgrp \"$gid\" {Q(target)}/.incoming; chmod \"${{f##*:}}\" {Q(target)}/.incoming; mv -f {Q(target)}/.incoming {Q(target)}/\"$name\"; done; "
            + $"else rm -f {Q($"{target}/{EdgeCertificateFiles.Chain}")} {Q($"{target}/{EdgeCertificateFiles.Key}")} {Q($"{target}/{EdgeCertificateFiles.Expiry}")}; fi; "
            + $"cat {Q($"{target}/{EdgeCertificateFiles.Chain}")} {Q($"{target}/{EdgeCertificateFiles.Key}")} 2>/dev/null | sha256sum | cut -c1-64";
    }

    /// <summary>Reads the chain the VM's edge serves now (empty when it serves plain HTTP).</summary>
    public static string ReadOnVm(string deployPath) => $"cat {AtomicUpload.Quote($"{VmFolder(deployPath)}/{EdgeCertificateFiles.Chain}")} 2>/dev/null || true";

}
