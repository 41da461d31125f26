using System.Security.Cryptography;
using System.Text;

namespace Mlstack.Build.Core;

/// <summary>The identity of a set of files by their names and contents: SHA-256 over each file's relative path (with
/// '/') and a newline, then the SHA-256 of its bytes, in ordinal order of path. Each file's bytes are hashed on their
/// own so that every file adds a fixed-length record: a file's content can never pass for the next file's name.</summary>
/// <remarks>Values name config folders on VMs (<c>ReleaseConfig</c>): a change of this scheme makes every deployed
/// folder look new.</remarks>
public static class FolderHash
{
    /// <returns>Lower-case hex, 64 characters.</returns>
    public static string Of(IEnumerable<(string Relative, byte[] Bytes)> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (relative, bytes) in files.OrderBy(f => f.Relative, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(relative + "\n"));
            hash.AppendData(SHA256.HashData(bytes));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Reads <paramref name="paths"/>, each named by its path relative to <paramref name="root"/> (with '/').</summary>
    public static IReadOnlyList<(string Relative, byte[] Bytes)> Read(string root, IEnumerable<string> paths) =>
        [.. paths.Order(StringComparer.Ordinal).Select(f => (Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllBytes(f)))];
}
