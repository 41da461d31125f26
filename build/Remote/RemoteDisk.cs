using System.Globalization;
using Docker.DotNet;

namespace Mlstack.Build.Remote;

/// <summary>Free space where the VM's engine keeps its images (its DockerRootDir), checked before anything moves:
/// a pull that fills the disk can take the running stack down with it.</summary>
internal static class RemoteDisk
{
    /// <summary>Keeps this much free after the images land, for logs, databases and the next pull.</summary>
    public const long Headroom = 512L * 1024 * 1024;

    public static async Task EnsureRoomAsync(SshSession vm, DockerClient vmEngine, long needed, CancellationToken ct)
    {
        var root = (await vmEngine.System.GetSystemInfoAsync(ct).ConfigureAwait(false)).DockerRootDir;
        var available = await AvailableAsync(vm, root, ct).ConfigureAwait(false);
        if (available < needed + Headroom)
            throw new ImageShipException(
                $"The VM has {Bytes.Format(available)} free in {root}; the images need up to {Bytes.Format(needed)} plus {Bytes.Format(Headroom)} headroom. Free space on the VM (docker image prune) and deploy again.");
    }

    /// <summary>The bytes free to an unprivileged writer in the file system that holds <paramref name="path"/> on the VM.</summary>
    public static async Task<long> AvailableAsync(IRemoteShell vm, string path, CancellationToken ct)
    {
        var df = (await vm.RunAsync($"df -P -k {AtomicUpload.Quote(path)}", TimeSpan.FromSeconds(30), ct).ConfigureAwait(false)).EnsureSuccess();
        var fields = df.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 4 || !long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var availableKb))
            throw new ImageShipException($"Cannot read the VM's free disk from 'df -P -k {path}': {df.Output.Trim()}");
        return availableKb * 1024;
    }
}
