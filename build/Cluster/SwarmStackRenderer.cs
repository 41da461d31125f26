using Mlstack.Build.Core;
using Mlstack.Build.Stack;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Build.Cluster;

/// <summary>The stack for <c>docker stack deploy</c>, rendered from the same compose files as one VM runs (no second
/// hand-written stack file): a pure function of the resolved compose config, the inventory's roles and the release's
/// references. The rules are in docs/cluster.md#how-the-stack-is-rendered-for-swarm.</summary>
public static class SwarmStackRenderer
{
    /// <summary>The compose file format the docker CLI of Debian's docker.io (20.10) reads for stack deploy.</summary>
    public const string FormatVersion = "3.9";

    public static SwarmStackFile Render(SwarmStackRequest request)
    {
        var root = SwarmYaml.Load(request.ComposeConfig);
        var model = ComposeConfigReader.Parse(request.ComposeConfig);
        var namedVolumes = SwarmYaml.Entries(SwarmYaml.Child(root, "volumes")).Select(v => v.Key).ToHashSet(StringComparer.Ordinal);
        var dropped = new List<SwarmDropped>();
        var placement = new Dictionary<string, SwarmPlacement>(StringComparer.Ordinal);
        var hostPaths = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

        var (folded, networkOwners) = SwarmSharedNetworks.Fold(SwarmYaml.Child(root, "services"), model, dropped);
        var offCluster = folded.Where(s => IsOffCluster(s.Source)).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in offCluster)
            dropped.Add(new SwarmDropped(name, "the service", $"labelled {OffClusterLabel}: none in the compose file: it does not run on a swarm"));
        var sources = folded.Where(s => !offCluster.Contains(s.Name)).ToList();
        model = SwarmSharedNetworks.Without(model, networkOwners.Union(offCluster).ToHashSet(StringComparer.Ordinal));
        var services = new YamlMappingNode();
        var dataNetworks = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in sources)
        {
            var (node, where, paths) = SwarmServiceRenderer.Render(name, value, model.Find(name)!, request, namedVolumes, dropped);
            services.Add(SwarmYaml.Quoted(name), node);
            placement[name] = where;
            if (where == SwarmPlacement.Data)
                dataNetworks.UnionWith(NetworkNames(SwarmYaml.Child(node, "networks")));
            if (paths.Count > 0)
                hostPaths[name] = paths;
        }

        var document = new YamlMappingNode
        {
            { "version", SwarmYaml.Quoted(FormatVersion) },
            { "services", services },
            { "networks", Networks(SwarmYaml.Child(root, "networks"), dataNetworks) },
            { "volumes", Volumes(SwarmYaml.Child(root, "volumes")) },
            { "secrets", Secrets(SwarmYaml.Child(root, "secrets"), request) },
        };
        return new SwarmStackFile(document, placement, SwarmDeployPhases.Of(model), dropped, hostPaths);
    }

    /// <summary>A service labelled <c>io.mlstack.cluster: none</c> (one that only makes sense on one machine) is left
    /// out of the swarm's stack, and what depends on it no longer waits for it.</summary>
    public const string OffClusterLabel = "io.mlstack.cluster";

    private static bool IsOffCluster(YamlMappingNode source) => SwarmYaml.Child(source, "labels") switch
    {
        YamlMappingNode labels => SwarmYaml.Text(labels, OffClusterLabel) == "none",
        YamlSequenceNode list => list.Children.OfType<YamlScalarNode>().Any(l => l.Value == OffClusterLabel + "=none"),
        _ => false,
    };

    /// <summary>The name of a secret's version in the swarm: stack, secret and version, so a rotation is a new secret
    /// (Swarm cannot change one in place) and the old one stays until nothing uses it.</summary>
    public static string SecretName(string stack, string secret, string version) => $"{stack}_{secret}_{version}";

    /// <summary>Every network an overlay (a bridge exists on one node only); internal and attachable kept, compose
    /// v2's project-prefixed name dropped so the stack prefixes its own. The data services' networks are attachable:
    /// Backup's helper, a plain container on the data node, joins them to reach those services by name.</summary>
    private static YamlMappingNode Networks(YamlNode? networks, HashSet<string> dataNetworks)
    {
        var node = new YamlMappingNode();
        foreach (var (name, value) in SwarmYaml.Entries(networks))
        {
            var source = value as YamlMappingNode ?? [];
            var network = new YamlMappingNode();
            if (SwarmYaml.Text(source, "external") == "true" || SwarmYaml.Child(source, "external") is YamlMappingNode)
            {
                network.Add("external", SwarmYaml.Flag(true));
                if (SwarmYaml.Text(source, "name") is { } externalName)
                    network.Add("name", SwarmYaml.Quoted(externalName));
            }
            else
            {
                network.Add("driver", SwarmYaml.Quoted("overlay"));
                if (SwarmYaml.Text(source, "internal") == "true")
                    network.Add("internal", SwarmYaml.Flag(true));
                if (SwarmYaml.Text(source, "attachable") == "true" || dataNetworks.Contains(name))
                    network.Add("attachable", SwarmYaml.Flag(true));
            }

            node.Add(SwarmYaml.Quoted(name), network);
        }

        return node;
    }

    /// <summary>The networks a rendered service joins: a list of names, or a mapping by name (with aliases).</summary>
    private static IEnumerable<string> NetworkNames(YamlNode? networks) => networks switch
    {
        YamlSequenceNode list => list.Children.OfType<YamlScalarNode>().Select(n => n.Value!),
        YamlMappingNode map => SwarmYaml.Entries(map).Select(e => e.Key),
        _ => [],
    };

    /// <summary>Named volumes, local to the node their service is pinned to; compose v2's project-prefixed name dropped.</summary>
    private static YamlMappingNode Volumes(YamlNode? volumes)
    {
        var node = new YamlMappingNode();
        foreach (var (name, value) in SwarmYaml.Entries(volumes))
        {
            var source = value as YamlMappingNode ?? [];
            var volume = new YamlMappingNode();
            foreach (var key in new[] { "driver", "driver_opts", "labels" })
            {
                if (SwarmYaml.Child(source, key) is { } setting)
                    volume.Add(key, setting);
            }

            node.Add(SwarmYaml.Quoted(name), volume);
        }

        return node;
    }

    /// <summary>Each secret under its own name (what services reference, their file name under /run/secrets), its
    /// Swarm name versioned, its content read by stack deploy from the release's file — never an environment variable.</summary>
    private static YamlMappingNode Secrets(YamlNode? secrets, SwarmStackRequest request)
    {
        var node = new YamlMappingNode();
        foreach (var (name, value) in SwarmYaml.Entries(secrets))
        {
            var file = value is YamlMappingNode m ? SwarmYaml.Text(m, "file") : null;
            if (file is null or "" or "/dev/null")
                throw new BuildInputException($"secret {name} has no file in the compose config (it says {file ?? "nothing"}); render the Swarm stack from the config the build reads with the release's secret files (StackSecrets' variables).");
            if (!request.SecretVersions.TryGetValue(name, out var version) || version.Length == 0)
                throw new BuildInputException($"secret {name} has no version; a Swarm secret cannot change in place, so each is named by its content's version (StackSecrets.Version).");
            node.Add(SwarmYaml.Quoted(name), new YamlMappingNode
            {
                { "name", SwarmYaml.Quoted(SecretName(request.StackName, name, version)) },
                { "file", SwarmYaml.Quoted(file) },
                { "external", SwarmYaml.Flag(false) },
            });
        }

        return node;
    }
}
