using Mlstack.Build.Core;
using Mlstack.Build.Deploy.Commands;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Deploy;

/// <summary>stack/config on the VM: each top-level entry (postgres/, prometheus/, autoscale.yaml, edge/) stored by its
/// own content (&lt;deploy-path&gt;/config/&lt;entry&gt;-&lt;hash&gt;/&lt;entry&gt;) and named to compose by its own
/// variable (<see cref="Variable"/>, e.g. MLSTACK_CONFIG_POSTGRES). A release mounts the very same path for every entry
/// that did not change, so compose recreates only the services whose own config changed: a new route for the edge
/// or a new autoscale.yaml does not restart postgres.</summary>
public static class ReleaseConfig
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30);

    /// <summary>The compose variable that names the folder holding <paramref name="entry"/>.</summary>
    public static string Variable(string entry) =>
        "MLSTACK_CONFIG_" + Path.GetFileNameWithoutExtension(entry).ToUpperInvariant().Replace('-', '_').Replace('.', '_');

    /// <returns>Each entry's variable → its folder on the VM.</returns>
    public static async Task<IReadOnlyDictionary<string, string>> UploadAsync(IRemoteShell vm, string deployPath, ComposeProject project, CancellationToken ct = default)
    {
        var root = Path.Combine(project.Directory, "config");
        var folders = new Dictionary<string, string>();
        if (!Directory.Exists(root))
            return folders;
        foreach (var entry in Directory.EnumerateFileSystemEntries(root).Order(StringComparer.Ordinal))
        {
            var files = FolderHash.Read(root, File.Exists(entry) ? [entry] : Directory.EnumerateFiles(entry, "*", SearchOption.AllDirectories));
            var target = ConfigCommands.Folder(deployPath, Path.GetFileName(entry), Hash(files));
            await UploadAsync(vm, target, files, ct).ConfigureAwait(false);
            folders[Variable(entry)] = target;
        }

        return folders;
    }

    /// <summary>An entry's identity in its folder's name: paths are relative to stack/config, so they start with the
    /// entry's own name. Deployed folders are found by it: it must stay the same for the same files.</summary>
    public static string Hash(IReadOnlyList<(string Relative, byte[] Bytes)> files) => FolderHash.Of(files)[..16];

    private static async Task UploadAsync(IRemoteShell vm, string target, IReadOnlyList<(string Relative, byte[] Bytes)> files, CancellationToken ct)
    {
        if ((await vm.RunAsync(ConfigCommands.Exists(target), Quick, ct).ConfigureAwait(false)).ExitCode == 0)
            return;
        await vm.RunAsync(ConfigCommands.Clear(target), Quick, ct).ConfigureAwait(false);
        foreach (var (relative, bytes) in files)
            await vm.UploadAsync(bytes, $"{ConfigCommands.Partial(target)}/{relative}", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, ct: ct).ConfigureAwait(false);
        (await vm.RunAsync(ConfigCommands.Publish(target), Quick, ct).ConfigureAwait(false)).EnsureSuccess();
    }
}
