using Mlstack.Build.Images;

namespace Mlstack.Tests.Images;

/// <summary>The last build's sizes, kept under .nuke/temp for the next build's change column.</summary>
public sealed class ImageSizeRecordTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlstack-sizes-").FullName;

    private string FilePath => Path.Combine(_directory, "temp", ImageSizeRecord.FileName);

    [Fact]
    public void What_one_build_writes_the_next_reads()
    {
        var layers = new[] { new Layer("base", 100), new Layer("own", 20) };
        ImageSizeRecord.Of("c1a2b3c", [new ImageSize("redis", 120, layers), new ImageSize("edge", 130, [layers[0], new Layer("edge", 30)])]).Write(FilePath);

        var read = ImageSizeRecord.Read(FilePath);

        Assert.NotNull(read);
        Assert.Equal("c1a2b3c", read.Revision);
        Assert.Equal(new Dictionary<string, long> { ["redis"] = 120, ["edge"] = 130 }, read.Images);
        Assert.Equal(150, read.Total);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not json")]
    [InlineData("{\"sizes\":{}}")]
    public void No_record_or_an_unreadable_one_is_a_first_run(string? content)
    {
        if (content != null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            File.WriteAllText(FilePath, content);
        }

        Assert.Null(ImageSizeRecord.Read(FilePath));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
