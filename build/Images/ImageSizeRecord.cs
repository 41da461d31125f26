using System.Text.Json;
using Mlstack.Build.Core;

namespace Mlstack.Build.Images;

/// <summary>The sizes of the last Images run (.nuke/temp, not committed: it is this machine's last build), which the
/// next run prints its change against.</summary>
/// <param name="Revision">The git revision tag that build was of, e.g. 0fbd6e0 or 0fbd6e0-dirty.</param>
public sealed record ImageSizeRecord(string Revision, IReadOnlyDictionary<string, long> Images, long Total)
{
    public const string FileName = "image-sizes.json";

    public static ImageSizeRecord Of(string revision, IReadOnlyList<ImageSize> images) =>
        new(revision, images.ToDictionary(i => i.Name, i => i.Bytes, StringComparer.Ordinal), ImageLayers.DistinctSize(images.Select(i => i.Layers)));

    /// <summary>Null when there is none or it cannot be read: a first run, or one after a format change, has no change column.</summary>
    public static ImageSizeRecord? Read(string path)
    {
        try
        {
            var record = File.Exists(path) ? JsonSerializer.Deserialize<ImageSizeRecord>(File.ReadAllText(path), BuildJson.Options) : null;
            return record is { Revision: not null, Images: not null } ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, BuildJson.Options));
    }
}
