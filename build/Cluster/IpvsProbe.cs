namespace Mlstack.Build.Cluster;

/// <summary>Whether a host's kernel has IPVS, which Swarm's virtual IPs and routing mesh are made of: without it a
/// service's VIP resolves but does not answer (design.md; this machine's kernel and its fixture VMs have none).</summary>
public enum Ipvs
{
    /// <summary>Not known: the host could not be asked.</summary>
    Unknown,

    /// <summary>Neither loaded, built in, nor a module on disk.</summary>
    Absent,

    /// <summary>Loaded or built in (<c>/proc/net/ip_vs</c> or <c>/sys/module/ip_vs</c>).</summary>
    Loaded,

    /// <summary>A module on disk: the kernel loads it when the engine first asks for IPVS (netlink's family autoload).</summary>
    Module,
}

/// <summary>Asks a host's kernel for IPVS. <c>/proc/net/ip_vs</c> is per network namespace, so it is looked for from
/// the host's own shell, where its engine runs; <c>modprobe -n</c> is a dry run (many minimal hosts have no modprobe,
/// so the module's file is looked for too).</summary>
public static class IpvsProbe
{
    /// <summary>Prints <c>loaded|module|absent KERNEL-RELEASE</c>.</summary>
    public const string Command =
        "if [ -e /proc/net/ip_vs ] || [ -e /sys/module/ip_vs ]; then s=loaded; "
        + "elif command -v modprobe >/dev/null 2>&1 && modprobe -n ip_vs >/dev/null 2>&1; then s=module; "
        + "elif ls /lib/modules/\"$(uname -r)\"/kernel/net/netfilter/ipvs/ip_vs.ko* >/dev/null 2>&1; then s=module; "
        + "else s=absent; fi; echo \"$s $(uname -r)\"";

    /// <summary>Reads <see cref="Command"/>'s output: the state and the kernel's release.</summary>
    public static (Ipvs State, string Kernel) Parse(string output)
    {
        var fields = output.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        var state = fields.FirstOrDefault() switch
        {
            "loaded" => Ipvs.Loaded,
            "module" => Ipvs.Module,
            "absent" => Ipvs.Absent,
            _ => Ipvs.Unknown,
        };
        return (state, fields.Length > 1 ? fields[1] : "");
    }

    public static bool Has(this Ipvs ipvs) => ipvs is Ipvs.Loaded or Ipvs.Module;
}
