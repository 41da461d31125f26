using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Mlstack.Build.Core;

namespace Mlstack.Build.Remote;

public enum HostKeyVerdict
{
    Trusted,
    Unknown,
    Changed,
    Revoked,
}

/// <summary>Which host keys Deploy accepts: the ones an OpenSSH known_hosts file lists for the host, or exactly one
/// pinned <c>SHA256:…</c> fingerprint. Judged on the key blob, never on the algorithm name (RSA keys are offered
/// as rsa-sha2-512 but listed as ssh-rsa).</summary>
public sealed class HostKeyTrust
{
    private readonly IReadOnlyList<KnownHostEntry> _entries;
    private readonly string? _pinned;

    private HostKeyTrust(IReadOnlyList<KnownHostEntry> entries, string? pinned, string source)
    {
        _entries = entries;
        _pinned = pinned;
        Source = source;
    }

    /// <summary>Where trust comes from, for messages: the known_hosts path or --host-fingerprint.</summary>
    public string Source { get; }

    public static string DefaultKnownHostsPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

    /// <summary>The pinned fingerprint when given, else the known_hosts file (default ~/.ssh/known_hosts; a missing
    /// default file trusts nothing, a missing named one is an input error).</summary>
    public static HostKeyTrust From(string? knownHostsFile, string? fingerprint) =>
        !string.IsNullOrWhiteSpace(fingerprint) ? Pinned(fingerprint) : FromKnownHosts(knownHostsFile);

    public static HostKeyTrust FromKnownHosts(string? path = null)
    {
        var file = string.IsNullOrWhiteSpace(path) ? DefaultKnownHostsPath : path;
        if (!File.Exists(file) && !string.IsNullOrWhiteSpace(path))
            throw new BuildInputException($"Parameter --known-hosts: {file} does not exist; give an OpenSSH known_hosts file or --host-fingerprint SHA256:….");
        var lines = File.Exists(file) ? File.ReadAllLines(file) : [];
        return new HostKeyTrust(KnownHosts.Parse(lines), null, file);
    }

    public static HostKeyTrust Pinned(string fingerprint)
    {
        var value = fingerprint.Trim().TrimEnd('=');
        if (!value.StartsWith("SHA256:", StringComparison.Ordinal) || value.Length != 7 + 43)
            throw new BuildInputException($"Parameter --host-fingerprint: '{fingerprint}' is not valid; expected SHA256: and 43 base64 characters, as ssh-keygen -lf prints it.");
        return new HostKeyTrust([], value, "--host-fingerprint");
    }

    /// <summary>OpenSSH's form: SHA256: and the unpadded base64 of the blob's SHA-256.</summary>
    public static string Fingerprint(byte[] keyBlob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(keyBlob)).TrimEnd('=');

    /// <summary>The key type written inside the blob (its first SSH string), e.g. ssh-ed25519.</summary>
    public static string KeyType(byte[] keyBlob)
    {
        if (keyBlob.Length < 4)
            return "";
        var length = BinaryPrimitives.ReadInt32BigEndian(keyBlob);
        return length > 0 && length <= keyBlob.Length - 4 ? Encoding.ASCII.GetString(keyBlob, 4, length) : "";
    }

    public HostKeyVerdict Judge(SshTarget target, byte[] keyBlob)
    {
        if (_pinned != null)
            return Fingerprint(keyBlob) == _pinned ? HostKeyVerdict.Trusted : HostKeyVerdict.Changed;
        var forHost = _entries.Where(e => KnownHosts.Matches(e, target.KnownHostsName)).ToList();
        if (forHost.Any(e => e.Revoked && e.KeyBlob.AsSpan().SequenceEqual(keyBlob)))
            return HostKeyVerdict.Revoked;
        if (forHost.Any(e => !e.Revoked && e.KeyBlob.AsSpan().SequenceEqual(keyBlob)))
            return HostKeyVerdict.Trusted;
        var type = KeyType(keyBlob);
        return forHost.Any(e => !e.Revoked && KeyType(e.KeyBlob) == type) ? HostKeyVerdict.Changed : HostKeyVerdict.Unknown;
    }
}
