using Mlstack.Build.Images;

namespace Mlstack.Tests.Images;

/// <summary>What Images prints after a build: each image against the last build and its budget, a total with shared
/// layers once, and a message per image (and for the total) over budget.</summary>
public sealed class ImageSizeReportTests
{
    private static readonly Layer Base = new("base", 100_000_000);

    private static ImageSize Image(string name, long ownBytes) => new(name, Base.Size + ownBytes, [Base, new Layer(name, ownBytes)]);

    private static ImageBudget Budget(long total, params (string Name, long Mb)[] images) =>
        new(total, images.ToDictionary(i => i.Name, i => i.Mb), "docker/image-budget.yaml");

    [Fact]
    public void Each_image_is_a_line_against_the_last_build_and_its_budget_then_the_total()
    {
        var last = new ImageSizeRecord("c1a2b3c", new Dictionary<string, long> { ["ml-service"] = 1_120_000_000, ["redis"] = 130_000_000 }, 1_150_000_000);

        var report = ImageSizeReport.Create([Image("ml-service", 412_000_000), Image("redis", 30_400_000)], last, Budget(1200, ("ml-service", 650), ("redis", 160)));

        Assert.Equal(
        [
            "ml-service  512 MB  (−608 MB since c1a2b3c)  budget 650 MB",
            "redis       130 MB  (+0.4 MB since c1a2b3c)  budget 160 MB",
            "total       542 MB  (−608 MB since c1a2b3c)  budget 1200 MB",
        ], report.Lines);
        Assert.Empty(report.OverBudget);
    }

    [Fact]
    public void A_first_run_has_no_change_column()
    {
        var report = ImageSizeReport.Create([Image("redis", 30_000_000)], last: null, Budget(1200, ("redis", 160)));

        Assert.Equal(["redis  130 MB  budget 160 MB", "total  130 MB  budget 1200 MB"], report.Lines);
    }

    [Fact]
    public void An_unchanged_image_says_so_and_a_new_one_has_no_change()
    {
        var last = new ImageSizeRecord("0fbd6e0-dirty", new Dictionary<string, long> { ["redis"] = 130_000_000 }, 130_000_000);

        var report = ImageSizeReport.Create([Image("redis", 30_000_000), Image("edge", 38_000_000)], last, Budget(1200, ("redis", 160), ("edge", 160)));

        Assert.Equal(
        [
            "redis  130 MB  (±0 MB since 0fbd6e0-dirty)   budget 160 MB",
            "edge   138 MB                                budget 160 MB",
            "total  168 MB  (+38 MB since 0fbd6e0-dirty)  budget 1200 MB",
        ], report.Lines);
    }

    [Fact]
    public void Each_image_and_the_total_over_budget_is_named_with_its_size_its_budget_and_the_file()
    {
        var report = ImageSizeReport.Create([Image("ml-service", 1_016_000_000), Image("redis", 30_000_000)], null, Budget(1000, ("ml-service", 650), ("redis", 160)));

        Assert.Equal(
        [
            "Image ml-service is 1116 MB, over its budget of 650 MB in docker/image-budget.yaml; slim it, or raise the budget in the commit that needs it.",
            "All images together are 1146 MB (shared layers counted once), over the total budget of 1000 MB in docker/image-budget.yaml; slim them, or raise the budget in the commit that needs it.",
        ], report.OverBudget);
        Assert.EndsWith("budget 650 MB  OVER", report.Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Exactly_the_budget_is_within_it()
    {
        var report = ImageSizeReport.Create([Image("redis", 60_000_000)], null, Budget(160, ("redis", 160)));

        Assert.Empty(report.OverBudget);
    }

    [Fact]
    public void An_image_the_budget_file_leaves_out_has_no_budget_and_is_not_over_one()
    {
        var report = ImageSizeReport.Create([Image("redis", 30_000_000)], null, Budget(1200));

        Assert.Equal("redis  130 MB  no budget", report.Lines[0]);
        Assert.Empty(report.OverBudget);
    }

    [Fact]
    public void Without_a_readable_budget_file_the_sizes_still_print()
    {
        var report = ImageSizeReport.Create([Image("redis", 30_000_000)], null, budget: null);

        Assert.Equal(["redis  130 MB  no budget", "total  130 MB  no budget"], report.Lines);
        Assert.Empty(report.OverBudget);
    }
}
