using System.Formats.Tar;
using Mlstack.Build.Images;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Images;

public sealed class DockerIgnoreTests
{
    [Theory]
    [InlineData("notes.md", true)]
    [InlineData("Dockerfile", false)]
    [InlineData("app/main.py", false)]
    [InlineData("app/__pycache__/main.pyc", true)]
    [InlineData("app/deep/x.pyc", true)]
    public void The_last_matching_rule_decides_and_folders_carry_their_files(string path, bool excluded)
    {
        var ignore = new DockerIgnore(["*", "!Dockerfile", "!app", "app/__pycache__", "**/*.pyc", "# comment"]);

        Assert.Equal(excluded, ignore.IsExcluded(path));
    }
}

public sealed class BuildContextTests
{
    private static async Task<(string Hash, List<string> Entries)> Pack(string directory, IReadOnlyList<string>? ca = null, string inputs = "args")
    {
        using var context = await BuildContext.CreateAsync(directory, ca ?? [], inputs, CancellationToken.None);
        var entries = new List<string>();
        using var reader = new TarReader(context.Tar);
        while (reader.GetNextEntry() is { } entry)
            entries.Add(entry.Name);
        return (context.Hash, entries);
    }

    [Fact]
    public async Task The_tar_holds_what_dockerignore_lets_through_plus_the_CA_folder()
    {
        using var root = new TempRoot();
        File.WriteAllText(Path.Combine(root.Path, "Dockerfile"), "FROM scratch\n");
        File.WriteAllText(Path.Combine(root.Path, ".dockerignore"), "*.log\n");
        File.WriteAllText(Path.Combine(root.Path, "app.py"), "print(1)\n");
        File.WriteAllText(Path.Combine(root.Path, "debug.log"), "noise\n");
        var ca = Path.Combine(root.Path, "ca.pem");
        File.WriteAllText(ca, "-----BEGIN CERTIFICATE-----\n");

        var (_, entries) = await Pack(root.Path, [ca]);

        Assert.Contains("Dockerfile", entries);
        Assert.Contains("app.py", entries);
        Assert.DoesNotContain("debug.log", entries);
        Assert.Contains(".mlstack-ca/", entries);
        Assert.Contains(".mlstack-ca/extra-0.crt", entries);
    }

    [Fact]
    public async Task The_hash_changes_with_content_and_inputs_and_only_with_them()
    {
        using var root = new TempRoot();
        File.WriteAllText(Path.Combine(root.Path, "Dockerfile"), "FROM scratch\n");
        var first = (await Pack(root.Path)).Hash;

        File.SetLastWriteTimeUtc(Path.Combine(root.Path, "Dockerfile"), DateTime.UtcNow.AddDays(-1));
        Assert.Equal(first, (await Pack(root.Path)).Hash);
        Assert.NotEqual(first, (await Pack(root.Path, inputs: "other args")).Hash);

        File.WriteAllText(Path.Combine(root.Path, "Dockerfile"), "FROM scratch\nLABEL x=1\n");
        Assert.NotEqual(first, (await Pack(root.Path)).Hash);
    }
}

public sealed class BuildKitTraceTests
{
    [Fact]
    public void Decodes_steps_their_state_and_their_log_lines()
    {
        // StatusResponse { vertexes: [{ digest "sha256:a", name "[2/3] RUN make", started {}, error "exit code: 2" }], logs: [{ vertex "sha256:a", msg "make: *** [all] Error 2\n" }] }
        byte[] vertex = [.. Field(1, "sha256:a"u8), .. Field(3, "[2/3] RUN make"u8), .. Field(5, [8, 1]), .. Field(7, "exit code: 2"u8)];
        byte[] log = [.. Field(1, "sha256:a"u8), .. Field(4, "make: *** [all] Error 2\n"u8)];
        byte[] status = [.. Field(1, vertex), .. Field(3, log)];

        var (steps, logs) = BuildKitTrace.Decode(Convert.ToBase64String(status));

        var step = Assert.Single(steps);
        Assert.Equal(new BuildStep("sha256:a", "[2/3] RUN make", Cached: false, Started: true, Completed: false, Error: "exit code: 2"), step);
        Assert.Equal("make: *** [all] Error 2\n", Assert.Single(logs).Text);
    }

    private static byte[] Field(int number, ReadOnlySpan<byte> value) => [(byte)((number << 3) | 2), (byte)value.Length, .. value];
}
