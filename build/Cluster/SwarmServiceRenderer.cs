using Mlstack.Build.Core;
using Mlstack.Build.Stack;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Build.Cluster;

/// <summary>One service of the resolved compose config as a Swarm stack service (compose file format 3.9, what the
/// docker CLI 20.10 of Debian's docker.io reads): the settings Swarm applies carried as they are, the rest rendered
/// or dropped by the rules in docs/cluster.md#how-the-stack-is-rendered-for-swarm.</summary>
internal static class SwarmServiceRenderer
{
    /// <summary>Settings stack deploy applies as compose wrote them.</summary>
    private static readonly string[] Carried =
    [
        "command", "entrypoint", "environment", "user", "read_only", "cap_add", "cap_drop", "working_dir", "stop_grace_period",
        "stop_signal", "init", "hostname", "extra_hosts", "sysctls", "logging", "tty", "stdin_open", "expose", "dns", "dns_search",
    ];

    private static readonly string[] Flags = ["read_only", "init", "tty", "stdin_open"];

    /// <summary>Settings rendered from (image, healthcheck, …) or replaced by design (build: the release's images;
    /// depends_on: the deploy phases; restart: the restart policy): not losses.</summary>
    private static readonly string[] Rendered =
    [
        "image", "healthcheck", "networks", "secrets", "volumes", "tmpfs", "ports", "deploy", "labels", "build", "depends_on", "restart", "container_name",
    ];

    /// <summary>Settings a Swarm service has no place for, and what that costs.</summary>
    private static readonly Dictionary<string, string> Lost = new(StringComparer.Ordinal)
    {
        ["security_opt"] = "a Swarm service has no security options in Engine 20.10 (no-new-privileges among them); capabilities are still dropped",
        ["group_add"] = "compose file format 3.x has no group_add; Swarm mounts each secret 0444 in the task's own /run/secrets, so no group is needed to read it",
        ["ulimits"] = "stack deploy of docker 20.10 ignores ulimits",
        ["cpu_shares"] = "compose file format 3.x has no CPU weight; on a cluster the worker tiers keep off the requests' cores by placement (worker nodes) instead",
    };

    public static (YamlMappingNode Node, SwarmPlacement Placement, IReadOnlyList<string> HostPaths) Render(
        string name, YamlMappingNode source, ServiceSpec spec, SwarmStackRequest request, IReadOnlySet<string> namedVolumes, List<SwarmDropped> dropped)
    {
        var node = new YamlMappingNode { { "image", SwarmYaml.Quoted(Image(name, source, request)) } };
        foreach (var key in Carried)
        {
            // A string quoted (user "0:0" would be a number in sexagesimal YAML 1.1); flags stay flags.
            if (SwarmYaml.Child(source, key) is { } value)
                node.Add(key, value is YamlScalarNode { Value: { } text } && !Flags.Contains(key) ? SwarmYaml.Quoted(text) : value);
        }

        if (SwarmYaml.Child(source, "labels") is YamlMappingNode { Children.Count: > 0 } labels)
            node.Add("labels", labels);
        if (Healthcheck(source) is { } health)
            node.Add("healthcheck", health);
        if (Networks(SwarmYaml.Child(source, "networks")) is { } networks)
            node.Add("networks", networks);
        if (SwarmYaml.Child(source, "secrets") is YamlSequenceNode { Children.Count: > 0 } secrets)
            node.Add("secrets", new YamlSequenceNode(secrets.Children.Select(Secret)));

        var mounts = SwarmMount.Volumes(name, SwarmYaml.Child(source, "volumes"), namedVolumes).Concat(SwarmMount.Tmpfs(SwarmYaml.Child(source, "tmpfs"))).ToList();
        if (mounts.Count > 0)
            node.Add("volumes", new YamlSequenceNode(mounts.Select(m => (YamlNode)m.Node())));
        var ports = SwarmPort.Of(name, SwarmYaml.Child(source, "ports")).ToList();
        if (ports.Count > 0)
            node.Add("ports", new YamlSequenceNode(ports.Select(p => (YamlNode)p.Node())));
        foreach (var port in ports.Where(p => p.BindsOneAddress))
            dropped.Add(new SwarmDropped(name, $"ports: {port.HostIp}:{port.Published}", "compose file format 3.x cannot bind a published port to one address: host mode binds it on every address of the node; keep the port closed to the outside at the node's firewall if it must be"));

        var placement = SwarmPlacements.Of(
            mounts.Any(m => m.IsNamedVolume),
            mounts.Any(m => m.Type == "bind" && m.Target == SwarmPlacements.EngineSocket), // whichever engine's socket it is given
            spec.IsTier);
        node.Add("deploy", SwarmDeploy.Render(name, SwarmYaml.Child(source, "deploy") as YamlMappingNode, spec, placement, ports.Count > 0, request, labels: SwarmYaml.Child(source, "labels") as YamlMappingNode));

        foreach (var (key, _) in SwarmYaml.Entries(source).Where(e => !Carried.Contains(e.Key) && !Rendered.Contains(e.Key)))
            dropped.Add(new SwarmDropped(name, key, Lost.GetValueOrDefault(key, "not part of compose file format 3.9, which stack deploy reads")));
        // Bind mounts read the node's own files: the deploy must put them on every node the service may run on.
        return (node, placement, [.. mounts.Where(m => m.Type == "bind" && m.Target != SwarmPlacements.EngineSocket).Select(m => m.Source!).Distinct()]);
    }

    /// <summary>The release's content tag for an image it builds; an image the stack does not build keeps its reference.</summary>
    private static string Image(string name, YamlMappingNode source, SwarmStackRequest request)
    {
        var image = SwarmYaml.Text(source, "image") ?? throw new BuildInputException($"service {name} has no image; a Swarm service runs an image every node has.");
        var repository = Repository(image);
        if (request.Images.TryGetValue(repository, out var tagged))
            return tagged;
        return SwarmYaml.Child(source, "build") == null
            ? image
            : throw new BuildInputException($"service {name}: the release has no content-tagged reference for {repository}, which the stack builds; the cluster deploys only images the release tagged (a tag such as latest means something else on each node).");
    }

    /// <summary>mlstack/postgres:abc → mlstack/postgres; localhost:5000/x:tag → localhost:5000/x.</summary>
    public static string Repository(string image)
    {
        var withoutDigest = image.Split('@')[0];
        var colon = withoutDigest.LastIndexOf(':');
        return colon > withoutDigest.LastIndexOf('/') ? withoutDigest[..colon] : withoutDigest;
    }

    /// <summary>compose v1 prints a disabled check as test: [NONE], v2 as disable: true; Swarm's format is disable.</summary>
    private static YamlMappingNode? Healthcheck(YamlMappingNode source)
    {
        if (SwarmYaml.Child(source, "healthcheck") is not YamlMappingNode health)
            return null;
        var test = SwarmYaml.Child(health, "test");
        if (SwarmYaml.Text(health, "disable") == "true" || test is null || (test is YamlSequenceNode { Children.Count: > 0 } t && (t.Children[0] as YamlScalarNode)?.Value == "NONE"))
            return new YamlMappingNode { { "disable", SwarmYaml.Flag(true) } };
        var node = new YamlMappingNode { { "test", test } };
        foreach (var key in new[] { "interval", "timeout", "start_period" })
        {
            if (SwarmYaml.Text(health, key) is { } duration)
                node.Add(key, SwarmYaml.Quoted(duration));
        }

        if (SwarmYaml.Text(health, "retries") is { } retries)
            node.Add("retries", new YamlScalarNode(retries));
        return node;
    }

    /// <summary>The network names (aliases kept): compose v2's per-network settings (priority, addresses) have no
    /// place on an overlay.</summary>
    private static YamlNode? Networks(YamlNode? networks)
    {
        var entries = networks switch
        {
            YamlSequenceNode list => list.Children.OfType<YamlScalarNode>().Select(n => (n.Value!, (YamlNode?)null)).ToList(),
            YamlMappingNode map => SwarmYaml.Entries(map).Select(e => (e.Key, e.Value is YamlMappingNode m ? SwarmYaml.Child(m, "aliases") : null)).ToList(),
            _ => [],
        };
        if (entries.Count == 0)
            return null;
        if (entries.All(e => e.Item2 is not YamlSequenceNode))
            return SwarmYaml.Strings(entries.Select(e => e.Item1));
        return new YamlMappingNode(entries.Select(e => new KeyValuePair<YamlNode, YamlNode>(
            SwarmYaml.Quoted(e.Item1),
            e.Item2 is YamlSequenceNode aliases ? new YamlMappingNode { { "aliases", aliases } } : new YamlMappingNode())));
    }

    /// <summary>A secret reference in long form: the target (its file under /run/secrets) is the name the service
    /// reads, whatever the versioned Swarm secret behind it is called.</summary>
    private static YamlNode Secret(YamlNode reference)
    {
        var (source, target, map) = reference switch
        {
            YamlScalarNode s => (s.Value!, s.Value!, (YamlMappingNode?)null),
            YamlMappingNode m => (SwarmYaml.Text(m, "source")!, SwarmYaml.Text(m, "target") ?? SwarmYaml.Text(m, "source")!, m),
            _ => throw new BuildInputException("a secret reference compose config does not print."),
        };
        var node = new YamlMappingNode { { "source", SwarmYaml.Quoted(source) }, { "target", SwarmYaml.Quoted(target) } };
        foreach (var key in new[] { "uid", "gid" })
        {
            if (map != null && SwarmYaml.Text(map, key) is { } id)
                node.Add(key, SwarmYaml.Quoted(id));
        }

        if (map != null && SwarmYaml.Text(map, "mode") is { } mode)
            node.Add("mode", new YamlScalarNode(mode));
        return node;
    }
}
