using Mlstack.Build.Remote;

namespace Mlstack.Build.Deploy.Commands;

/// <summary>The command lines of <see cref="ReleaseConfig"/>'s content-addressed config folders: pure, tested by value.</summary>
public static class ConfigCommands
{
    /// <summary>Where one entry of stack/config is stored by its content: <c>&lt;entry&gt;-&lt;hash&gt;/&lt;entry&gt;</c>.</summary>
    public static string Folder(string deployPath, string entry, string hash) => $"{deployPath}/config/{entry}-{hash}";

    public static string Exists(string folder) => $"test -d {Q(folder)}";

    public static string Partial(string folder) => $"{folder}.partial";

    public static string Clear(string folder) => $"rm -rf {Q(Partial(folder))}";

    /// <summary>Containers read the config as their own users (postgres, prometheus): its folders must be traversable
    /// before the partial folder becomes the real one.</summary>
    public static string Publish(string folder) =>
        $"find {Q(Partial(folder))} -type d -exec chmod 755 {{}} + && mv -T {Q(Partial(folder))} {Q(folder)}";

    private static string Q(string word) => AtomicUpload.Quote(word);
}
