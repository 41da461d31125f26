using Mlstack.Build.Remote;

namespace Mlstack.Build.Cluster;

/// <summary>One machine of the inventory: how to reach it over SSH (as Deploy's --host, --ssh-key, --known-hosts,
/// --host-fingerprint; null = the command line's), what it is for, and the address the other nodes reach it at
/// (Swarm's advertise and data-path address).</summary>
public sealed record ClusterHost(
    SshTarget Target,
    IReadOnlyList<ClusterRole> Roles,
    string Address,
    int Line,
    string? SshKey = null,
    string? KnownHosts = null,
    string? HostFingerprint = null)
{
    /// <summary>How messages and the report name the host: as the inventory does.</summary>
    public string Name => Target.Host;

    public bool Has(ClusterRole role) => Roles.Contains(role);

    /// <summary>The node labels its roles give, e.g. mlstack.role.data=true.</summary>
    public IReadOnlyDictionary<string, string> Labels =>
        Roles.ToDictionary(r => r.Label(), _ => "true", StringComparer.Ordinal);
}
