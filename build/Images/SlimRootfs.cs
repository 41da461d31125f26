namespace Mlstack.Build.Images;

/// <summary>What debian:*-slim leaves out, done to a debootstrapped root filesystem: documentation, manual pages
/// and translations are removed, and dpkg is told never to install them — so every image built on the base (their
/// apt layers included) carries none. Copyright files stay, as Debian's licences ask.</summary>
public static class SlimRootfs
{
    /// <summary>Changes when what this does changes, so a base made by an earlier recipe is made again.</summary>
    public const string Recipe = "slim-1";

    private static readonly string[] Excluded = ["usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "usr/share/lintian", "usr/share/linda", "usr/share/groff"];

    public static void Apply(string rootfs)
    {
        var dpkgConfig = Path.Combine(rootfs, "etc/dpkg/dpkg.cfg.d");
        Directory.CreateDirectory(dpkgConfig);
        File.WriteAllLines(Path.Combine(dpkgConfig, "mlstack-slim"),
            [.. Excluded.Select(path => $"path-exclude /{path}/*"), "path-include /usr/share/doc/*/copyright"]);

        foreach (var path in Excluded.Select(p => Path.Combine(rootfs, p)).Where(Directory.Exists))
        {
            foreach (var entry in new DirectoryInfo(path).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo directory && path.EndsWith("usr/share/doc", StringComparison.Ordinal))
                    KeepOnlyCopyright(directory);
                else
                    Delete(entry);
            }
        }

        // Package lists and downloaded .debs are dead weight in a base image.
        foreach (var junk in new[] { "var/cache/apt/archives", "var/lib/apt/lists" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(rootfs, junk), "*", SearchOption.TopDirectoryOnly))
                File.Delete(file);
        }
    }

    private static void KeepOnlyCopyright(DirectoryInfo package)
    {
        foreach (var entry in package.EnumerateFileSystemInfos().Where(e => e.Name != "copyright"))
            Delete(entry);
    }

    private static void Delete(FileSystemInfo entry)
    {
        if (entry is DirectoryInfo directory && directory.LinkTarget == null)
            directory.Delete(recursive: true);
        else
            entry.Delete();
    }
}
