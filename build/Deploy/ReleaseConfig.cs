using System.Security.Cryptography;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Deploy;

/// <summary>stack/config on the VM, stored by content (&lt;deploy-path&gt;/config/&lt;hash&gt;/) and named to compose
/// through MLSTACK_CONFIG: a release whose config did not change mounts the very same path, so compose has no
/// reason to recreate postgres or Prometheus just because the release folder is new.</summary>
public static class ReleaseConfig
{
    public static async Task<string> UploadAsync(SshSession vm, string deployPath, ComposeProject project, CancellationToken ct)
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

        var target = $"{deployPath}/config/{Convert.ToHexStringLower(hash.GetHashAndReset())[..16]}";
        var present = await vm.RunAsync($"test -d {AtomicUpload.Quote(target)}", TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        if (present.ExitCode == 0)
            return target;
        var partial = $"{target}.partial";
        await vm.RunAsync($"rm -rf {AtomicUpload.Quote(partial)}", TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        foreach (var (relative, bytes) in files)
            await vm.UploadAsync(bytes, $"{partial}/{relative}", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, ct: ct).ConfigureAwait(false);
        // Containers read these as their own users (postgres, prometheus): the folders must be traversable.
        (await vm.RunAsync($"find {AtomicUpload.Quote(partial)} -type d -exec chmod 755 {{}} + && mv -T {AtomicUpload.Quote(partial)} {AtomicUpload.Quote(target)}", TimeSpan.FromSeconds(30), ct).ConfigureAwait(false)).EnsureSuccess();
        return target;
    }
}
