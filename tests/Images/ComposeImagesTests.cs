using Mlstack.Build.Images;

namespace Mlstack.Tests.Images;

/// <summary>What Up and Deploy hand compose about built images: a variable per image, an id per service.</summary>
public sealed class ComposeImagesTests
{
    private static BuiltImage Image(string repository, string id, params string[] services) =>
        new(new ImageSpec(repository, "ctx", "Dockerfile", null, new Dictionary<string, string>(), services), id, false, TimeSpan.Zero, "abc123");

    [Fact]
    public void An_images_variable_is_its_short_name_in_capitals_with_underscores()
    {
        Assert.Equal("ML_SERVICE_IMAGE", ComposeImages.Variable("ml-service"));
    }

    [Fact]
    public void Each_image_sets_its_variable_to_its_content_tagged_reference()
    {
        var variables = ComposeImages.Variables([Image("mlstack/ml-service", "sha256:1", "api"), Image("mlstack/backup", "sha256:2")]);

        Assert.Equal(new Dictionary<string, string> { ["ML_SERVICE_IMAGE"] = "mlstack/ml-service:abc123", ["BACKUP_IMAGE"] = "mlstack/backup:abc123" }, variables);
    }

    [Fact]
    public void Every_service_of_an_image_runs_that_images_id()
    {
        var ids = ComposeImages.IdsByService([Image("mlstack/ml-service", "sha256:1", "api", "worker"), Image("mlstack/backup", "sha256:2")]);

        Assert.Equal(new Dictionary<string, string> { ["api"] = "sha256:1", ["worker"] = "sha256:1" }, ids);
    }
}
