namespace Mlstack.Tests.Support;

/// <summary>Unmounts anything the test VM left mounted under its folders in the host's mount namespace (its own
/// mounts live in a private namespace that ends with its processes; this is the safety net).</summary>
internal static class VmMounts
{
    public static async Task UnmountUnderAsync(params string[] roots)
    {
        var mountPoints = File.ReadAllLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4])
            .Where(point => roots.Any(root => point == root || point.StartsWith(root + "/", StringComparison.Ordinal)))
            .OrderByDescending(point => point.Length);
        foreach (var point in mountPoints)
            await ChildProcess.RunAsync("umount", ["-l", point]);
    }
}
