using Docker.DotNet.Models;

namespace Mlstack.Build.Engine;

/// <summary>How one engine names a stack's containers, networks and volumes: by compose's labels for a compose project
/// (this machine, a VM), or as <c>docker stack deploy</c> names them on a swarm node (stack_name; the labels Swarm puts
/// on a task's container). What Backup asks the data node's engine by, whichever made the stack.</summary>
public abstract class StackNaming
{
    public static readonly StackNaming Compose = new ComposeNaming();

    public static readonly StackNaming Swarm = new SwarmNaming();

    /// <summary>The label <c>docker stack deploy</c> puts on a stack's services, containers and networks.</summary>
    public const string StackLabel = "com.docker.stack.namespace";

    /// <summary>The label Swarm puts on a task's container: the service's full name, stack_service.</summary>
    public const string SwarmServiceLabel = "com.docker.swarm.service.name";

    /// <summary>How docker stack deploy names a stack's service, network or volume: stack_name.</summary>
    public static string SwarmName(string stack, string name) => $"{stack}_{name}";

    /// <summary>The filter for the stack's containers (one service's, when given).</summary>
    public abstract Dictionary<string, IDictionary<string, bool>> Containers(string project, string? service = null);

    /// <summary>The filter for one of the stack's networks or volumes, by its name in the compose file.</summary>
    public abstract Dictionary<string, IDictionary<string, bool>> Resource(string project, string kind, string name);

    /// <summary>Whether a network or volume the filter found is that one (a name filter also matches longer names).</summary>
    public abstract bool IsResource(string project, string name, string found);

    /// <summary>The service (as the compose file names it) a container belongs to, whichever made it; null for one
    /// that is no stack's.</summary>
    public static string? ServiceOf(ContainerListResponse container)
    {
        if (ComposeLabels.ServiceOf(container) is { } service)
            return service;
        return container.Labels is { } labels && labels.TryGetValue(SwarmServiceLabel, out var full) && labels.TryGetValue(StackLabel, out var stack) && full.StartsWith(stack + "_", StringComparison.Ordinal)
            ? full[(stack.Length + 1)..]
            : null;
    }

    private sealed class ComposeNaming : StackNaming
    {
        public override Dictionary<string, IDictionary<string, bool>> Containers(string project, string? service = null) =>
            ComposeLabels.OfProject(project, service);

        public override Dictionary<string, IDictionary<string, bool>> Resource(string project, string kind, string name) =>
            ComposeLabels.Filter($"{ComposeLabels.Project}={project}", $"com.docker.compose.{kind}={name}");

        public override bool IsResource(string project, string name, string found) => true;
    }

    private sealed class SwarmNaming : StackNaming
    {
        public override Dictionary<string, IDictionary<string, bool>> Containers(string project, string? service = null) =>
            service == null ? ComposeLabels.Filter($"{StackLabel}={project}") : ComposeLabels.Filter($"{SwarmServiceLabel}={SwarmName(project, service)}");

        // By name alone: a volume Swarm creates on a node carries the stack's label only from some engine versions on.
        public override Dictionary<string, IDictionary<string, bool>> Resource(string project, string kind, string name) =>
            new() { ["name"] = new Dictionary<string, bool> { [SwarmName(project, name)] = true } };

        public override bool IsResource(string project, string name, string found) => found == SwarmName(project, name);
    }
}
