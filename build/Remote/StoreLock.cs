using Mlstack.Build.Core;

namespace Mlstack.Build.Remote;

/// <summary>One registry at a time on a shared blob store: two deploys from one checkout (two VMs at once, or two
/// test VMs side by side) would otherwise run two registries on the same folder, and one of them answers 500 mid-push.
/// An exclusive open of a lock file beside the store is an advisory lock the kernel drops when the process dies, so a
/// killed deploy never leaves it held.</summary>
internal sealed class StoreLock : IDisposable
{
    private readonly FileStream _file;

    private StoreLock(FileStream file) => _file = file;

    public static async Task<StoreLock> AcquireAsync(string storage, BuildLog log, CancellationToken ct)
    {
        var path = storage.TrimEnd('/') + ".lock";
        var said = false;
        while (true)
        {
            try
            {
                return new StoreLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException)
            {
                if (!said)
                    log.Info($"Deploy: another shipment from this machine uses {storage}; waiting for it to finish");
                said = true;
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
