using Mlstack.Build.Doctor;
using Mlstack.Build.Images;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Images;

/// <summary>This checkout's images against docker/image-budget.yaml. Images only warns when one grows past its
/// budget; here it fails, so a change that grows an image raises its budget in the same commit or does not pass.</summary>
[Trait(TestTiers.Trait, TestTiers.Integration)]
[Collection(EngineTests.Name)]
public sealed class ImageBudgetTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Hashing every context to find the images takes seconds: once, whichever fact needs them first.
    private static readonly SemaphoreSlim Gate = new(1);
    private static IReadOnlyList<ImageSize>? _sizes;

    private static async Task<IReadOnlyList<ImageSize>> SizesAsync()
    {
        await Prerequisites.RequireEngineAsync();
        await Gate.WaitAsync(Ct);
        try
        {
            using var engine = new ImageEngine(EngineProbe.Client(EngineProbe.Endpoint().Endpoint));
            return _sizes ??= await ImageSizes.MeasureAsync(engine, await CheckoutImages.FindAsync(engine, Ct), Ct);
        }
        finally
        {
            Gate.Release();
        }
    }

    [Fact]
    public async Task Every_image_has_a_budget_and_every_budget_an_image()
    {
        var specs = await CheckoutImages.SpecsAsync(Ct);

        var problems = ImageBudget.Load(RepositoryRoot.Path).NameProblems(specs.Select(s => s.ShortName));

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task No_image_and_not_the_total_is_over_its_budget()
    {
        var sizes = await SizesAsync();
        var budget = ImageBudget.Load(RepositoryRoot.Path);

        var report = ImageSizeReport.Create(sizes, last: null, budget);

        foreach (var line in report.Lines)
            output.WriteLine(line);
        Assert.True(report.OverBudget.Count == 0, string.Join('\n', [.. report.OverBudget, "", .. report.Lines]));
    }
}
