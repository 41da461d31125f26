using System.Globalization;
using Mlstack.Build.Core;

namespace Mlstack.Build.Remote;

/// <summary>The VM offered a host key we do not trust; raised before any command runs. One line that names the
/// offered fingerprint and what to do: an unknown key may be trusted, a changed one must be checked first.</summary>
public sealed class HostKeyRejectedException : BuildFailure
{
    private HostKeyRejectedException(HostKeyVerdict verdict, string fingerprint, string message)
        : base(message)
    {
        Verdict = verdict;
        OfferedFingerprint = fingerprint;
    }

    public HostKeyVerdict Verdict { get; }
    public string OfferedFingerprint { get; }

    internal static HostKeyRejectedException For(HostKeyVerdict verdict, SshTarget target, string keyType, string fingerprint, string source)
    {
        var host = $"{target.Host}:{target.Port.ToString(CultureInfo.InvariantCulture)}";
        var keyscan = $"ssh-keyscan -p {target.Port.ToString(CultureInfo.InvariantCulture)} {target.Host} >> ~/.ssh/known_hosts";
        var message = verdict switch
        {
            HostKeyVerdict.Unknown =>
                $"Host key of {host} is unknown ({keyType} {fingerprint}, not in {source}); nothing was run. If that is the VM's key, "
                + $"trust it with --host-fingerprint {fingerprint} or '{keyscan}'.",
            HostKeyVerdict.Changed =>
                $"Host key of {host} has CHANGED (possible man-in-the-middle): it offered {keyType} {fingerprint}, which {source} does not trust; "
                + $"nothing was run. Only if the VM was rebuilt and you checked the new key out of band: pin --host-fingerprint {fingerprint} "
                + $"or replace its line (ssh-keygen -R '{target.KnownHostsName}', then '{keyscan}').",
            HostKeyVerdict.Revoked =>
                $"Host key of {host} ({keyType} {fingerprint}) is marked @revoked in {source}; nothing was run. Do not connect until the VM has a new key.",
            _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, "a trusted key is not rejected"),
        };
        return new HostKeyRejectedException(verdict, fingerprint, message);
    }
}
