using Mlstack.Build.Core;

namespace Mlstack.Tests.Core;

/// <summary>A folder's identity: the same files give the same value whatever the order they are read in, and a
/// different name, content or split between files gives another.</summary>
public sealed class FolderHashTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mlstack-folderhash-").FullName;

    [Fact]
    public void Reads_paths_relative_to_the_root_with_slashes_in_ordinal_order()
    {
        Write("edge/upstreams/ml.conf", "upstream ml {}\n");
        Write("edge/site.conf", "server { listen 80; }\n");

        var files = FolderHash.Read(_root, Directory.EnumerateFiles(Path.Combine(_root, "edge"), "*", SearchOption.AllDirectories));

        Assert.Equal(["edge/site.conf", "edge/upstreams/ml.conf"], files.Select(f => f.Relative));
        Assert.Equal("server { listen 80; }\n"u8.ToArray(), files[0].Bytes);
    }

    [Fact]
    public void The_order_files_are_given_in_does_not_matter()
    {
        (string, byte[]) a = ("a.conf", "one"u8.ToArray()), b = ("b.conf", "two"u8.ToArray());

        Assert.Equal(FolderHash.Of([a, b]), FolderHash.Of([b, a]));
        Assert.Matches("^[0-9a-f]{64}$", FolderHash.Of([a, b]));
    }

    [Fact]
    public void A_renamed_or_changed_file_or_bytes_moved_between_files_is_another_value()
    {
        var original = FolderHash.Of([("a.conf", "x\nb.conf\ny"u8.ToArray())]);

        Assert.NotEqual(original, FolderHash.Of([("c.conf", "x\nb.conf\ny"u8.ToArray())]));
        Assert.NotEqual(original, FolderHash.Of([("a.conf", "x\nb.conf\nz"u8.ToArray())]));
        // With raw contents appended, "a.conf\n" + "x" then "b.conf\n" + "y" would hash the same bytes as the one file.
        Assert.NotEqual(original, FolderHash.Of([("a.conf", "x"u8.ToArray()), ("b.conf", "y"u8.ToArray())]));
    }

    [Fact]
    public void No_files_is_a_value_too()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", FolderHash.Of([]));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
