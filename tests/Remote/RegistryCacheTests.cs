using Mlstack.Build.Core;
using Mlstack.Build.Remote;

namespace Mlstack.Tests.Remote;

/// <summary>The loopback registry's cache: one folder per user of the machine (so a fresh clone's deploy pushes only
/// new layers), the owner's alone, emptied once it outgrows its limit.</summary>
public sealed class RegistryCacheTests
{
    [Fact]
    public void The_cache_is_the_variables_folder_then_XDGs_then_the_homes()
    {
        Assert.Equal("/big/disk", RegistryCache.Folder(name => name == RegistryCache.Variable ? "/big/disk" : "/ignored"));
        Assert.Equal("/xdg/mlstack/registry", RegistryCache.Folder(name => name switch { "XDG_CACHE_HOME" => "/xdg", "HOME" => "/home/ci", _ => null }));
        Assert.Equal("/home/ci/.cache/mlstack/registry", RegistryCache.Folder(name => name == "HOME" ? "/home/ci" : null));
    }

    [Fact]
    public void A_new_cache_is_the_owners_alone_and_one_past_its_limit_is_emptied()
    {
        var root = Directory.CreateTempSubdirectory("mlstack-registry-cache-test-").FullName;
        try
        {
            var cache = Path.Combine(root, "registry");
            var log = new BuildLog(new StringWriter(), new SecretMasker(), color: false);
            RegistryCache.Prepare(cache, log, limit: 1000);
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(cache));

            Directory.CreateDirectory(Path.Combine(cache, "docker", "registry", "v2", "blobs"));
            File.WriteAllBytes(Path.Combine(cache, "docker", "registry", "v2", "blobs", "layer"), new byte[600]);
            RegistryCache.Prepare(cache, log, limit: 1000);
            Assert.True(File.Exists(Path.Combine(cache, "docker", "registry", "v2", "blobs", "layer")), "a cache within its limit was touched");

            File.WriteAllBytes(Path.Combine(cache, "docker", "registry", "v2", "blobs", "another"), new byte[600]);
            RegistryCache.Prepare(cache, log, limit: 1000);
            Assert.Empty(Directory.EnumerateFileSystemEntries(cache));
            Assert.True(Directory.Exists(cache));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
