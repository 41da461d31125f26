using System.Formats.Tar;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Mlstack.Tests.Remote;

/// <summary>Small images built in the local engine for shipping tests (the classic builder through the Engine API:
/// no CLI, no BuildKit frontend to pull), and removed again.</summary>
internal static class LocalImages
{
    public static async Task BuildAsync(DockerClient engine, string tag, string dockerfile, IReadOnlyDictionary<string, byte[]> files)
    {
        using var context = new MemoryStream();
        await using (var tar = new TarWriter(context, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in files.Append(new("Dockerfile", System.Text.Encoding.UTF8.GetBytes(dockerfile))))
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content), Mode = (UnixFileMode)0b110_100_100 };
                await tar.WriteEntryAsync(entry);
            }
        }

        context.Position = 0;
        string? error = null;
        await engine.Images.BuildImageFromDockerfileAsync(new ImageBuildParameters { Tags = [tag], Remove = true, ForceRemove = true }, context, null, null,
            new Progress<JSONMessage>(m => error ??= m.Error?.Message), TestContext.Current.CancellationToken);
        var built = await engine.Images.InspectImageAsync(tag, TestContext.Current.CancellationToken);
        Assert.True(built != null, $"building {tag} failed: {error}");
    }

    public static async Task RemoveAsync(DockerClient engine, params string[] tags)
    {
        foreach (var tag in tags)
        {
            try
            {
                await engine.Images.DeleteImageAsync(tag, new ImageDeleteParameters { Force = true }, CancellationToken.None);
            }
            catch (DockerApiException)
            {
                // Already gone (a failed build).
            }
        }
    }

    public static byte[] Random(int size)
    {
        var bytes = new byte[size];
        System.Random.Shared.NextBytes(bytes);
        return bytes;
    }
}
