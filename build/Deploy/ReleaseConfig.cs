using System.Security.Cryptography;
using Mlstack.Build.Deploy.Commands;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Deploy;

/// <summary>stack/config on the VM, stored by content (&lt;deploy-path&gt;/config/&lt;hash&gt;/) and named to compose
/// through MLSTACK_CONFIG: a release whose config did not change mounts the very same path, so compose has no
/// reason to recreate postgres or Prometheus just because the release folder is new.</summary>
public static class ReleaseConfig
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30);

    public static async Task<string> UploadAsync(IRemoteShell vm, string deployPath, ComposeProject project, CancellationToken ct = default)
    {
        var root = Path.Combine(project.Directory, "config");
        var files = Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => (Relative: Path.GetRelativePath(root, f).Replace('\\', '/'), Bytes: File.ReadAllBytes(f))).ToList()
            : [];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (relative, bytes) in files)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(relative + "\n"));
            hash.AppendData(SHA256.HashData(bytes));
        }

        var target = ConfigCommands.Folder(deployPath, Convert.ToHexStringLower(hash.GetHashAndReset())[..16]);
        var present = await vm.RunAsync(ConfigCommands.Exists(target), Quick, ct).ConfigureAwait(false);
        if (present.ExitCode == 0)
            return target;
        await vm.RunAsync(ConfigCommands.Clear(target), Quick, ct).ConfigureAwait(false);
        foreach (var (relative, bytes) in files)
            await vm.UploadAsync(bytes, $"{ConfigCommands.Partial(target)}/{relative}", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, ct: ct).ConfigureAwait(false);
        (await vm.RunAsync(ConfigCommands.Publish(target), Quick, ct).ConfigureAwait(false)).EnsureSuccess();
        return target;
    }
}
