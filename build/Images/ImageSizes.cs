using Mlstack.Build.Core;

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

    /// <summary>Prints each image's size against the last build (<paramref name="lastFile"/>, rewritten here) and its
    /// budget. Over budget warns and does not fail: ImageBudgetTests fails, so a local build that experiments is not
    /// stopped, but no such change passes the suite.</summary>
    public static async Task ReportAsync(ImageEngine engine, IReadOnlyList<BuiltImage> built, string root, string lastFile, string revision, BuildLog log, CancellationToken ct)
    {
        var sizes = await MeasureAsync(engine, built, ct).ConfigureAwait(false);
        ImageBudget? budget = null;
        try
        {
            budget = ImageBudget.Load(root);
            foreach (var problem in budget.NameProblems(sizes.Select(s => s.Name)))
                log.Warn(problem);
        }
        catch (BuildInputException e)
        {
            log.Warn(e.Message);
        }

        var report = ImageSizeReport.Create(sizes, ImageSizeRecord.Read(lastFile), budget);
        foreach (var line in report.Lines)
            log.Info(line);
        foreach (var over in report.OverBudget)
            log.Warn(over);
        ImageSizeRecord.Of(revision, sizes).Write(lastFile);
    }
}
