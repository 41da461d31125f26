using Mlstack.Build.Images;

namespace Mlstack.Tests.Images;

/// <summary>The base image's slimming, on a fake root filesystem: what debian:*-slim leaves out goes, the licences
/// stay, and dpkg is told to leave them out of every later install.</summary>
public sealed class SlimRootfsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mlstack-rootfs-").FullName;

    private string Write(string relative, string text = "x")
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Docs_man_pages_and_translations_go_copyright_files_stay_and_dpkg_excludes_them_from_now_on()
    {
        var copyright = Write("usr/share/doc/bash/copyright", "GPL");
        var changelog = Write("usr/share/doc/bash/changelog.Debian.gz");
        var readme = Write("usr/share/doc/apt/examples/sources.list");
        var man = Write("usr/share/man/man1/bash.1.gz");
        var locale = Write("usr/share/locale/de/LC_MESSAGES/apt.mo");
        var kept = Write("usr/share/zoneinfo/UTC");
        var list = Write("var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease");
        var deb = Write("var/cache/apt/archives/bash.deb");

        SlimRootfs.Apply(_root);

        Assert.True(File.Exists(copyright));
        Assert.True(File.Exists(kept));
        Assert.All(new[] { changelog, readme, man, locale, list, deb }, path => Assert.False(File.Exists(path), path));
        Assert.False(Directory.Exists(Path.Combine(_root, "usr/share/doc/apt/examples")));
        Assert.True(Directory.Exists(Path.Combine(_root, "usr/share/man")), "the folders stay, empty, as packages expect them");
        var dpkg = File.ReadAllLines(Path.Combine(_root, "etc/dpkg/dpkg.cfg.d/mlstack-slim"));
        Assert.Contains("path-exclude /usr/share/doc/*", dpkg);
        Assert.Contains("path-exclude /usr/share/locale/*", dpkg);
        Assert.Equal("path-include /usr/share/doc/*/copyright", dpkg[^1]); // after the exclusions, or dpkg drops it too
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
