using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mlstack.Build.Backup;

public sealed record ManifestArtifact(string Path, string Sha256, long Bytes);

/// <summary>manifest.json, written by the helper into every backup: where it came from, what it holds (each artifact's
/// sha256 and size) and the counts a restore must reproduce (postgres/DB/schema.table rows, redis/keys,
/// objects/BUCKET and objects/BUCKET.bytes).</summary>
public sealed record BackupManifest(
    string Project,
    string Environment,
    string GitSha,
    string Release,
    DateTimeOffset CreatedAt,
    IReadOnlyDictionary<string, string> Images,
    IReadOnlyDictionary<string, string> Versions,
    IReadOnlyList<ManifestArtifact> Artifacts,
    IReadOnlyDictionary<string, long> Counts,
    string? Purpose = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { NumberHandling = JsonNumberHandling.AllowReadingFromString };

    public static BackupManifest Parse(string json) =>
        JsonSerializer.Deserialize<BackupManifest>(json, Json) ?? throw new BackupException("the backup's manifest.json is empty");

    public static IReadOnlyDictionary<string, long> ParseCounts(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, long>>(json, Json) ?? [];

    /// <summary>Every count that differs between the backup and a restore of it, as "name: expected N, found M";
    /// empty when the restore holds exactly what the backup did.</summary>
    public static IReadOnlyList<string> Differences(IReadOnlyDictionary<string, long> expected, IReadOnlyDictionary<string, long> actual) =>
        [.. expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal)
            .Select(k => (Name: k, Expected: expected.TryGetValue(k, out var e) ? e : (long?)null, Actual: actual.TryGetValue(k, out var a) ? a : (long?)null))
            .Where(c => c.Expected != c.Actual)
            .Select(c => $"{c.Name}: expected {Show(c.Expected)}, found {Show(c.Actual)}")];

    private static string Show(long? count) => count?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
}
