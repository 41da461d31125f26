using System.Security.Cryptography;

namespace Mlstack.Build.Stack;

/// <summary>The edge's routes on this machine: stack/config/edge, which the edge mounts as it is (MLSTACK_EDGE_CONFIG's
/// default), so an edit there is applied by the next Up's reload.</summary>
public static class EdgeRoutesFolder
{
    /// <summary>A hash of the folder's files, names and contents (sha256 hex), or null when there is none.</summary>
    public static string? Hash(string composeDirectory)
    {
        var folder = Path.Combine(composeDirectory, "config", "edge");
        if (!Directory.Exists(folder))
            return null;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(file) + "\n"));
            hash.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
