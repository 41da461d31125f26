using System.Globalization;
using Mlstack.Build.Core;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Build.Cluster;

/// <summary>A published port as Swarm's long form in host mode: the task's own node answers on it, no routing mesh
/// (which needs IPVS, and would hide the node that served a request). Compose format 3.x has no host_ip: a port
/// compose bound to one address (127.0.0.1 in dev) is bound on every address of the node.</summary>
internal sealed record SwarmPort(string? HostIp, int? Published, int Target, string Protocol)
{
    public static IEnumerable<SwarmPort> Of(string service, YamlNode? ports) =>
        (ports as YamlSequenceNode)?.Children.Select(p => p switch
        {
            YamlScalarNode { Value: { } text } => Parse(service, text),
            YamlMappingNode map => new SwarmPort(
                SwarmYaml.Text(map, "host_ip"),
                SwarmYaml.Text(map, "published") is { Length: > 0 } published ? Number(service, published) : null,
                Number(service, SwarmYaml.Text(map, "target")),
                SwarmYaml.Text(map, "protocol") ?? "tcp"),
            _ => throw new BuildInputException($"service {service}: a port entry compose config does not print."),
        }) ?? [];

    /// <summary>"[host_ip:][published:]target[/protocol]", as compose v1 prints it.</summary>
    private static SwarmPort Parse(string service, string text)
    {
        var (address, protocol) = text.Split('/') is [var a, var p] ? (a, p) : (text, "tcp");
        var parts = address.Split(':');
        return parts.Length switch
        {
            1 => new SwarmPort(null, null, Number(service, parts[0]), protocol),
            2 => new SwarmPort(null, Number(service, parts[0]), Number(service, parts[1]), protocol),
            _ => new SwarmPort(string.Join(':', parts[..^2]), Number(service, parts[^2]), Number(service, parts[^1]), protocol),
        };
    }

    private static int Number(string service, string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port
        : throw new BuildInputException($"service {service}: port '{text}' is not one port number; a Swarm stack publishes single ports.");

    public bool BindsOneAddress => HostIp is { Length: > 0 } and not "0.0.0.0" and not "::";

    public YamlMappingNode Node()
    {
        var node = new YamlMappingNode { { "target", SwarmYaml.Number(Target) } };
        if (Published is { } published)
            node.Add("published", SwarmYaml.Number(published));
        node.Add("protocol", SwarmYaml.Quoted(Protocol));
        node.Add("mode", SwarmYaml.Quoted("host"));
        return node;
    }
}
