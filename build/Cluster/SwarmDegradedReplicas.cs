using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Build.Cluster;

/// <summary>A kept stack file, as a deploy that goes on without some nodes (--allow-degraded) deploys it: a service
/// that holds a host-mode port (<c>max_replicas_per_node: 1</c>) gets no more replicas than the nodes in the deploy
/// that its placement allows. Swarm would leave the others pending ("no suitable node"), and its rolling update would
/// wait for them. Applied each time a phase starts (a release, the return to the last good one, Rollback --to), so
/// the kept file stays the whole cluster's and a deploy with every node back gets every replica again.</summary>
public static class SwarmDegradedReplicas
{
    /// <param name="available">The roles of each host the deploy goes on with.</param>
    /// <returns>The stack file to deploy, and one line per service whose replicas it lowered.</returns>
    public static (string Yaml, IReadOnlyList<string> Lowered) Cap(string stackYaml, IReadOnlyList<IReadOnlyList<ClusterRole>> available)
    {
        var document = SwarmYaml.Load(stackYaml);
        var lowered = new List<string>();
        foreach (var (name, value) in SwarmYaml.Entries(SwarmYaml.Child(document, "services")))
        {
            if (value is not YamlMappingNode service || SwarmYaml.Child(service, "deploy") is not YamlMappingNode deploy
                || SwarmYaml.Child(deploy, "placement") is not YamlMappingNode placement || SwarmYaml.Text(placement, "max_replicas_per_node") != "1"
                || !long.TryParse(SwarmYaml.Text(deploy, "replicas"), CultureInfo.InvariantCulture, out var replicas))
                continue;
            var labels = (SwarmYaml.Child(placement, "constraints") as YamlSequenceNode)?.Children.OfType<YamlScalarNode>()
                .Select(c => RoleLabel(c.Value ?? string.Empty)).OfType<string>().ToList() ?? [];
            var nodes = Math.Max(1, available.Count(roles => labels.All(label => roles.Any(r => r.Label() == label))));
            if (replicas <= nodes)
                continue;
            deploy.Children[new YamlScalarNode("replicas")] = SwarmYaml.Number(nodes);
            lowered.Add($"{name}: {nodes} of its {replicas} replicas, one per node that may run it (a host-mode port holds one task per node), until the nodes left out are back");
        }

        return lowered.Count == 0 ? (stackYaml, lowered) : (SwarmYaml.Write(document, _ => true), lowered);
    }

    /// <summary>"node.labels.mlstack.role.app == true" → mlstack.role.app; any other constraint → null.</summary>
    private static string? RoleLabel(string constraint)
    {
        const string Prefix = "node.labels.", Suffix = " == true";
        return constraint.StartsWith(Prefix, StringComparison.Ordinal) && constraint.EndsWith(Suffix, StringComparison.Ordinal)
            ? constraint[Prefix.Length..^Suffix.Length]
            : null;
    }
}
