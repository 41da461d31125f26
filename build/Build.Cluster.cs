using Mlstack.Build.Cluster;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;

namespace Mlstack.Build;

internal sealed partial class Build
{
    [Parameter("Bootstrap, Preflight, Deploy, Rollback, Releases, Audit, Status, SmokeTest, Backup, Backups: the cluster's inventory, e.g. stack/cluster.yaml (docs/cluster.md); without it, one VM (--host)", Name = "Cluster")]
    private readonly string? ClusterInventoryFile;

    private ClusterInventory ReadClusterInventory() =>
        ClusterInventoryReader.Load(Path.GetFullPath(ClusterInventoryFile!, RootDirectory));

    /// <summary>Bootstrap for every host of the inventory, then the swarm.</summary>
    private async Task BootstrapClusterAsync(CancellationToken ct)
    {
        var inventory = ReadClusterInventory();
        var results = await new ClusterBootstrap(inventory, (h, c) => ConnectClusterHostAsync(h, "Bootstrap", c), DeployPath, Log).RunAsync(ct);
        ClusterBootstrapReport.Print(inventory, results, Log);
    }

    /// <summary>A host's own SSH settings from the inventory, else the command line's (as Deploy's).</summary>
    private Task<SshSession> ConnectClusterHostAsync(ClusterHost host, string who, CancellationToken ct) =>
        ConnectAsync(
            host.Target,
            HostKeyTrust.From(host.KnownHosts is { } file ? ExpandHome(file) : KnownHosts, host.HostFingerprint ?? (host.KnownHosts == null ? HostFingerprint : null)),
            host.SshKey is { } key ? ExpandHome(key) : SshPrivateKey ?? SshKey,
            who,
            ct);

    /// <summary>~/ in the inventory's paths is the home folder; other relative paths are the repository's.</summary>
    private string ExpandHome(string path) =>
        path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..])
            : Path.GetFullPath(path, RootDirectory);
}
