using YamlDotNet.RepresentationModel;

namespace Mlstack.Build.Cluster;

/// <summary>The rendered stack: the document for <c>docker stack deploy</c>, where each service runs, the deploy
/// phases, what of the compose file it does not carry, and per service the host paths it bind-mounts (files each
/// node it may run on must have: config, edge routes, TLS; the engine's socket, every node's own, is not listed).</summary>
public sealed record SwarmStackFile(
    YamlMappingNode Document,
    IReadOnlyDictionary<string, SwarmPlacement> Placement,
    IReadOnlyList<SwarmDeployPhase> Phases,
    IReadOnlyList<SwarmDropped> Dropped,
    IReadOnlyDictionary<string, IReadOnlyList<string>> HostPaths)
{
    /// <summary>The whole stack file.</summary>
    public string Yaml => SwarmYaml.Write(Document, _ => true);

    /// <summary>The stack file with the services of phases 1..<paramref name="phase"/> only (networks, volumes and
    /// secrets all): deployed one after another (stack deploy without --prune leaves services it is not given
    /// alone), they start the stack in the order depends_on gave.</summary>
    public string YamlThroughPhase(int phase)
    {
        var wanted = Phases.Where(p => p.Number <= phase).SelectMany(p => p.All).ToHashSet(StringComparer.Ordinal);
        return SwarmYaml.Write(Document, wanted.Contains);
    }

    public YamlMappingNode Service(string name) => (YamlMappingNode)((YamlMappingNode)Document["services"])[name];
}
