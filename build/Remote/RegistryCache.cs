using Mlstack.Build.Core;

namespace Mlstack.Build.Remote;

/// <summary>Where the loopback registry keeps its blobs between shipments: one folder per user of this machine, not
/// one per checkout. A deploy from a fresh clone (CI's, a benchmark's, a second working copy) then pushes only layers
/// this machine never pushed; with a store per checkout, its first push of ml-service walked and compressed all
/// 340 MB again (8.6 s for a 33 kB change). It is a cache: deleting it costs one full push, never a wrong image (the
/// VM's copy is checked by image id after every pull).</summary>
public static class RegistryCache
{
    /// <summary>Set it to put the cache elsewhere (a bigger disk, or a folder per job on a shared CI machine).</summary>
    public const string Variable = "MLSTACK_REGISTRY_CACHE";

    /// <summary>Above this the cache is emptied before the next shipment: about a dozen whole stacks' images.</summary>
    public const long Limit = 10L * 1024 * 1024 * 1024;

    public static string Folder(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (environment(Variable) is { Length: > 0 } chosen)
            return chosen;
        var cache = environment("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "mlstack", "registry");
    }

    /// <summary>Creates the folder for the owner alone (image layers are the team's code), and empties it when it has
    /// grown past <paramref name="limit"/>. Call it holding the store's lock.</summary>
    public static void Prepare(string folder, BuildLog log, long limit = Limit)
    {
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return;
        }

        var size = new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        if (size <= limit)
            return;
        log.Info($"Deploy: the registry cache {folder} holds {Bytes.Format(size)}, over its {Bytes.Format(limit)}: emptied; this shipment pushes every layer it needs once more.");
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo directory)
                directory.Delete(recursive: true);
            else
                entry.Delete();
        }
    }
}
