using System.Globalization;

namespace Mlstack.Build.Images;

/// <summary>An image of the stack as the engine holds it: its size (what <c>docker images</c> shows) and its layers.</summary>
public sealed record ImageSize(string Name, long Bytes, IReadOnlyList<Layer> Layers);

/// <summary>What Images prints after a build: one line per image and a total (shared layers once), each against the
/// last build's size and its budget; and one message per image, and for the total, over budget.</summary>
public sealed record ImageSizeReport(IReadOnlyList<string> Lines, IReadOnlyList<string> OverBudget)
{
    public const string TotalName = "total";

    /// <param name="last">The last build's sizes; null on a first run (no change column).</param>
    /// <param name="budget">Null when the budget file could not be read (no budget column).</param>
    public static ImageSizeReport Create(IReadOnlyList<ImageSize> images, ImageSizeRecord? last, ImageBudget? budget)
    {
        var rows = images
            .Select(i => new Row(i.Name, i.Bytes, ValueOrNull(last?.Images, i.Name), ValueOrNull(budget?.ImagesMb, i.Name)))
            .Append(new Row(TotalName, ImageLayers.DistinctSize(images.Select(i => i.Layers)), last?.Total, budget?.TotalMb))
            .ToList();

        string[][] cells = [.. rows.Select(r => new[] { r.Name, $"{Mb(r.Bytes)} MB", Change(r, last), Budget(r) })];
        var widths = Enumerable.Range(0, 4).Select(c => cells.Max(row => row[c].Length)).ToArray();
        var lines = cells.Select(row => string.Join("  ", new[] { row[0].PadRight(widths[0]), row[1].PadLeft(widths[1]), row[2].PadRight(widths[2]), row[3] }
            .Where((_, column) => widths[column] > 0))).ToList(); // a first run has no change column at all

        var over = rows.Where(r => r.BudgetMb is { } mb && r.Bytes > mb * Megabyte).Select(r => r.Name == TotalName
            ? $"All images together are {Mb(r.Bytes)} MB (shared layers counted once), over the total budget of {r.BudgetMb} MB in {budget!.File}; slim them, or raise the budget in the commit that needs it."
            : $"Image {r.Name} is {Mb(r.Bytes)} MB, over its budget of {r.BudgetMb} MB in {budget!.File}; slim it, or raise the budget in the commit that needs it.");
        return new ImageSizeReport(lines, [.. over]);
    }

    private const long Megabyte = 1_000_000; // docker images counts in powers of ten

    // Not GetValueOrDefault: that gives 0 for a new image, which would read as "+138 MB" and "over a budget of 0 MB".
    private static long? ValueOrNull(IReadOnlyDictionary<string, long>? values, string name) =>
        values != null && values.TryGetValue(name, out var value) ? value : null;

    private sealed record Row(string Name, long Bytes, long? LastBytes, long? BudgetMb);

    private static string Change(Row row, ImageSizeRecord? last) => row.LastBytes is not { } before || last == null ? string.Empty
        : row.Bytes == before ? $"(±0 MB since {last.Revision})"
        : $"({(row.Bytes > before ? "+" : "−")}{Mb(Math.Abs(row.Bytes - before))} MB since {last.Revision})";

    private static string Budget(Row row) => row.BudgetMb is not { } mb ? "no budget"
        : row.Bytes > mb * Megabyte ? $"budget {mb} MB  OVER" : $"budget {mb} MB";

    /// <summary>Whole MB, but a small change keeps a decimal so that +0.4 MB does not read as no change.</summary>
    private static string Mb(long bytes)
    {
        var mb = bytes / (double)Megabyte;
        return mb < 10 ? mb.ToString("0.0", CultureInfo.InvariantCulture) : mb.ToString("0", CultureInfo.InvariantCulture);
    }
}
