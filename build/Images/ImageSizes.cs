namespace Mlstack.Build.Images;

/// <summary>Measures built images in the engine for <see cref="ImageSizeReport"/>.</summary>
public static class ImageSizes
{
    /// <summary>An image's size is the sum of its history's sizes: the engine's own Size (what inspect and
    /// <c>docker images</c> show) is that same sum (checked on dockerd 20.10 for every image of the stack).</summary>
    public static async Task<IReadOnlyList<ImageSize>> MeasureAsync(ImageEngine engine, IReadOnlyList<BuiltImage> images, CancellationToken ct)
    {
        var sizes = new List<ImageSize>();
        foreach (var image in images)
        {
            var layers = ImageLayers.FromHistory(await engine.HistoryAsync(image.ImageId, ct).ConfigureAwait(false));
            sizes.Add(new ImageSize(image.Spec.ShortName, layers.Sum(l => l.Size), layers));
        }

        return sizes;
    }
}
