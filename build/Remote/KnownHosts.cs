using System.Security.Cryptography;
using System.Text;

namespace Mlstack.Build.Remote;

/// <summary>One usable line of an OpenSSH known_hosts file: the host patterns, the key type and its blob.</summary>
internal sealed record KnownHostEntry(string Hosts, string KeyType, byte[] KeyBlob, bool Revoked);

/// <summary>Reads OpenSSH known_hosts: plain names, <c>[host]:port</c>, comma lists, <c>!</c> negations, hashed
/// <c>|1|salt|hash</c> names and <c>@revoked</c> lines. Wildcards and <c>@cert-authority</c> lines are left out:
/// Deploy trusts exact host keys only.</summary>
internal static class KnownHosts
{
    public static IReadOnlyList<KnownHostEntry> Parse(IEnumerable<string> lines)
    {
        var entries = new List<KnownHostEntry>();
        foreach (var raw in lines)
        {
            var fields = raw.Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0].StartsWith('#'))
                continue;
            var revoked = fields[0] == "@revoked";
            if (fields[0].StartsWith('@') && !revoked)
                continue;
            var (hosts, type, key) = revoked ? (fields.ElementAtOrDefault(1), fields.ElementAtOrDefault(2), fields.ElementAtOrDefault(3))
                : (fields[0], fields.ElementAtOrDefault(1), fields.ElementAtOrDefault(2));
            if (hosts == null || type == null || key == null || TryBase64(key) is not { } blob)
                continue;
            entries.Add(new KnownHostEntry(hosts, type, blob, revoked));
        }

        return entries;
    }

    /// <summary>Whether an entry's host field names this host (as <see cref="SshTarget.KnownHostsName"/> spells it).</summary>
    public static bool Matches(KnownHostEntry entry, string name)
    {
        if (entry.Hosts.StartsWith("|1|", StringComparison.Ordinal))
            return HashedMatches(entry.Hosts, name);
        var patterns = entry.Hosts.Split(',');
        if (patterns.Any(p => p.StartsWith('!') && string.Equals(p[1..], name, StringComparison.OrdinalIgnoreCase)))
            return false;
        return patterns.Any(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>|1|base64(salt)|base64(HMAC-SHA1(salt, name)), as ssh-keygen -H writes it.</summary>
    private static bool HashedMatches(string field, string name)
    {
        var parts = field.Split('|');
        if (parts.Length != 4 || TryBase64(parts[2]) is not { } salt || TryBase64(parts[3]) is not { } hash)
            return false;
#pragma warning disable CA5350 // OpenSSH defines hashed names as HMAC-SHA1; we read the format, it protects nothing here
        var actual = HMACSHA1.HashData(salt, Encoding.ASCII.GetBytes(name.ToLowerInvariant()));
#pragma warning restore CA5350
        return CryptographicOperations.FixedTimeEquals(actual, hash);
    }

    private static byte[]? TryBase64(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>A line for this host and key, as <c>ssh-keyscan</c> would print it.</summary>
    public static string Line(string name, string keyType, byte[] blob) => $"{name} {keyType} {Convert.ToBase64String(blob)}";
}
