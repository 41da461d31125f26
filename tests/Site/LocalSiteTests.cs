using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Site;

namespace Mlstack.Tests.Site;

/// <summary>This machine as a site: files, folders and addresses without an engine (the engine and Compose are
/// exercised by the backup tests against the real thing).</summary>
public sealed class LocalSiteTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"mlstack-site-{Guid.NewGuid():N}");
    private readonly LocalSite site = new(new Uri("unix:///var/run/docker.sock"), new BuildLog(TextWriter.Null, new SecretMasker(), false));

    [Fact]
    public async Task A_file_written_is_read_back_and_deleted_once_and_again()
    {
        var file = Path.Combine(folder, "scratch", "x.compose.yaml");

        await site.WriteTextAsync(file, "services: {}\n", TestContext.Current.CancellationToken);
        var text = await site.ReadTextAsync(file, TestContext.Current.CancellationToken);
        await site.DeleteAsync(file, TestContext.Current.CancellationToken);
        await site.DeleteAsync(file, TestContext.Current.CancellationToken);

        Assert.Equal("services: {}\n", text);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task A_private_folder_is_the_owners_alone()
    {
        var repository = Path.Combine(folder, "backups", "mlstack");

        await site.CreatePrivateFolderAsync(repository, TestContext.Current.CancellationToken);

        Assert.True(Directory.Exists(repository));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(repository));
    }

    [Fact]
    public void A_container_address_is_reached_directly_and_paths_are_named_as_they_are()
    {
        using var reach = site.Reach("172.18.0.5", 8080);

        Assert.Equal(new Uri("http://172.18.0.5:8080"), reach.Url);
        Assert.Null(reach.Handler);
        Assert.Null(reach.Tunnel);
        Assert.Equal("this machine", site.Name);
        Assert.Equal("/srv/backups/mlstack", site.Locate("/srv/backups/mlstack"));
        Assert.Equal("sftp:backup@nas:/mlstack", site.ReachedFrom("sftp:backup@nas:/mlstack"));
    }

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }
}
