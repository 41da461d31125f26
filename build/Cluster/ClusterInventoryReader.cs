using System.Net;
using Mlstack.Build.Core;
using Mlstack.Build.Remote;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Build.Cluster;

/// <summary>Reads and checks stack/cluster.yaml (docs/cluster.md). Every mistake is one line naming the file, the line
/// and the host, and saying what to write instead; nothing is guessed (an unknown key is a typo until proven otherwise).</summary>
public static class ClusterInventoryReader
{
    private static readonly string[] TopKeys = ["hosts", "ssh_key", "known_hosts"];
    private static readonly string[] HostKeys = ["host", "roles", "address", "ssh_key", "known_hosts", "host_fingerprint"];

    public static ClusterInventory Load(string file)
    {
        if (!File.Exists(file))
            throw new BuildInputException($"Parameter --cluster: {file} does not exist; give the cluster's inventory (docs/cluster.md), e.g. stack/cluster.yaml.");
        return Parse(File.ReadAllText(file), file);
    }

    public static ClusterInventory Parse(string text, string file)
    {
        var root = Root(text, file);
        foreach (var key in root.Children.Keys)
            Known(key, TopKeys, file, "at the top");
        var defaultKey = Scalar(root, "ssh_key", file);
        var defaultKnownHosts = Scalar(root, "known_hosts", file);
        if (!root.Children.TryGetValue("hosts", out var list) || list is not YamlSequenceNode { Children.Count: > 0 } hosts)
            throw new BuildInputException($"{file}: no hosts; list them under hosts:, each with host: [user@]host[:port] and roles: (docs/cluster.md).");

        var read = hosts.Children.Select(node => Host(node, file, defaultKey, defaultKnownHosts)).ToList();
        var inventory = new ClusterInventory(file, read);
        Check(inventory);
        return inventory;
    }

    private static YamlMappingNode Root(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new BuildInputException($"{file} line {e.Start.Line}: not valid YAML ({e.Message.Split('\n')[0].TrimEnd('.')}).");
        }

        return stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode root ? root
            : throw new BuildInputException($"{file}: expected a mapping with hosts: (docs/cluster.md).");
    }

    private static ClusterHost Host(YamlNode node, string file, string? defaultKey, string? defaultKnownHosts)
    {
        var line = (int)node.Start.Line;
        if (node is not YamlMappingNode entry)
            throw new BuildInputException($"{file} line {line}: a host is a mapping (host:, roles:, …), not '{node}'.");
        var where = $"{file} line {line}";
        foreach (var key in entry.Children.Keys)
            Known(key, HostKeys, file, "in a host");
        var hostText = Scalar(entry, "host", file) ?? throw new BuildInputException($"{where}: this host has no host:; give [user@]host[:port], as Deploy's --host.");
        SshTarget target;
        try
        {
            target = SshTarget.Parse(hostText);
        }
        catch (BuildInputException)
        {
            throw new BuildInputException($"{where}: host '{hostText}' is not valid; expected [user@]host[:port], e.g. root@10.0.0.11 or deploy@vm2.example.com:2222.");
        }

        where = $"{file} line {line} (host {target.Host})";
        var roles = Roles(entry, where);
        var address = Scalar(entry, "address", file) ?? (IPAddress.TryParse(target.Host, out _) ? target.Host
            : throw new BuildInputException($"{where}: give address: the IP address the other hosts reach it at (Swarm advertises an address, not a name)."));
        if (!IPAddress.TryParse(address, out _))
            throw new BuildInputException($"{where}: address '{address}' is not an IP address; give the one the other hosts reach it at.");
        var fingerprint = Scalar(entry, "host_fingerprint", file);
        if (fingerprint != null)
            HostKeyTrust.Pinned(fingerprint); // its one-line error if malformed
        return new ClusterHost(target, roles, address, line, Scalar(entry, "ssh_key", file) ?? defaultKey, Scalar(entry, "known_hosts", file) ?? defaultKnownHosts, fingerprint);
    }

    private static List<ClusterRole> Roles(YamlMappingNode entry, string where)
    {
        if (!entry.Children.TryGetValue("roles", out var node))
            throw new BuildInputException($"{where}: no roles:; give one or more of {ClusterRoles.Known}, e.g. roles: [manager, app].");
        var names = node switch
        {
            YamlSequenceNode list => list.Children.Select(c => (c as YamlScalarNode)?.Value ?? "").ToList(),
            YamlScalarNode one => [.. (one.Value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
            _ => [],
        };
        if (names.Count == 0)
            throw new BuildInputException($"{where}: roles: is empty; give one or more of {ClusterRoles.Known}.");
        var roles = new List<ClusterRole>();
        foreach (var name in names)
        {
            var role = ClusterRoles.Parse(name) ?? throw new BuildInputException($"{where}: unknown role '{name}'; the roles are {ClusterRoles.Known}.");
            if (!roles.Contains(role))
                roles.Add(role);
        }

        return roles;
    }

    /// <summary>What no single host shows: a manager to start from, no host twice, data on one host.</summary>
    private static void Check(ClusterInventory inventory)
    {
        var file = inventory.File;
        if (!inventory.Hosts.Any(h => h.Has(ClusterRole.Manager)))
            throw new BuildInputException($"{file}: no host has the manager role; give it to one or more (the first listed initialises the swarm), e.g. roles: [manager, data].");
        foreach (var (first, again) in Pairs(inventory.Hosts))
        {
            if (first.Target.Host == again.Target.Host && first.Target.Port == again.Target.Port)
                throw new BuildInputException($"{file} line {again.Line} (host {again.Name}): listed twice (first on line {first.Line}); give each machine once, with all its roles.");
            if (first.Address == again.Address)
                throw new BuildInputException($"{file} line {again.Line} (host {again.Name}): address {again.Address} is also {first.Name}'s (line {first.Line}); each host needs its own.");
        }

        var data = inventory.Hosts.Where(h => h.Has(ClusterRole.Data)).ToList();
        if (data.Count > 1)
            throw new BuildInputException($"{file} line {data[1].Line} (host {data[1].Name}): the data role is already {data[0].Name}'s (line {data[0].Line}); "
                + "the data services keep their volumes on one host: give the role to one.");
    }

    private static IEnumerable<(ClusterHost First, ClusterHost Again)> Pairs(IReadOnlyList<ClusterHost> hosts) =>
        hosts.SelectMany((again, j) => hosts.Take(j).Select(first => (first, again)));

    private static void Known(YamlNode key, string[] known, string file, string where)
    {
        var name = (key as YamlScalarNode)?.Value ?? "";
        if (!known.Contains(name))
            throw new BuildInputException($"{file} line {key.Start.Line}: unknown key '{name}' {where}; the keys are {string.Join(", ", known)}.");
    }

    private static string? Scalar(YamlMappingNode map, string key, string file)
    {
        if (!map.Children.TryGetValue(key, out var node))
            return null;
        if (node is not YamlScalarNode { Value: { } value })
            throw new BuildInputException($"{file} line {node.Start.Line}: {key}: takes one value, not a list or mapping.");
        return value.Trim().Length == 0 ? null : value.Trim();
    }
}
