using Mlstack.Build.Core;
using Mlstack.Build.Images;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Images;

/// <summary>docker/image-budget.yaml: a budget per image and a total, in MB; a mistake in it is one line naming it.</summary>
public sealed class ImageBudgetFileTests
{
    private const string File = "docker/image-budget.yaml";

    private static ImageBudget Parse(string yaml) => ImageBudget.Parse(yaml, File);

    [Fact]
    public void Reads_the_total_and_each_images_budget()
    {
        var budget = Parse("# comment\ntotal: 1200   # all together\nimages:\n  ml-service: 650\n  redis: 160\n");

        Assert.Equal(1200, budget.TotalMb);
        Assert.Equal(new Dictionary<string, long> { ["ml-service"] = 650, ["redis"] = 160 }, budget.ImagesMb);
    }

    [Theory]
    [InlineData("images:\n  redis: 160\n", "total: is missing")]
    [InlineData("total: 1200\n", "expected images:")]
    [InlineData("total: 1200\nimages:\n  redis: big\n", "redis: 'big' is not a whole number of MB")]
    [InlineData("total: -5\nimages:\n  redis: 160\n", "total: '-5' is not a whole number of MB")]
    [InlineData("total: [1\n", "not valid YAML")]
    [InlineData("- a list\n", "expected a mapping")]
    public void A_malformed_file_is_one_line_naming_the_file(string yaml, string expected)
    {
        var error = Assert.Throws<BuildInputException>(() => Parse(yaml));

        Assert.StartsWith(File, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void An_image_without_a_budget_and_a_budget_of_no_image_are_both_named()
    {
        var budget = Parse("total: 1200\nimages:\n  ml-service: 650\n  grafana: 160\n");

        var problems = budget.NameProblems(["ml-service", "redis"]);

        Assert.Equal(
        [
            "Image redis has no budget in docker/image-budget.yaml; add one under images:.",
            "docker/image-budget.yaml budgets image grafana, which the stack does not build; remove it or fix its name.",
        ], problems);
    }

    [Fact]
    public void The_committed_file_parses()
    {
        var budget = ImageBudget.Load(RepositoryRoot.Path);

        Assert.True(budget.TotalMb > 0);
        Assert.Contains("ml-service", budget.ImagesMb.Keys);
    }
}
