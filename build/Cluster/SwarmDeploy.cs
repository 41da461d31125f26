using Mlstack.Build.Stack;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Build.Cluster;

/// <summary>A service's <c>deploy:</c> block: its mode (one-shots as jobs), replicas, endpoint mode, placement,
/// resource limits, restart policy, and how releases replace it (<see cref="SwarmUpdatePolicy"/>).</summary>
internal static class SwarmDeploy
{
    public static YamlMappingNode Render(string name, YamlMappingNode? source, ServiceSpec spec, SwarmPlacement placement, bool publishesPorts, SwarmStackRequest request, YamlMappingNode? labels)
    {
        var deploy = new YamlMappingNode();
        if (spec.IsOneShot)
        {
            // One task, run to completion once per deploy that changes the service, never restarted: a Swarm job where
            // the CLI converts the mode, else a replicated service of one task (restart_policy none, below).
            deploy.Add("mode", SwarmYaml.Quoted(request.CliRunsJobs ? "replicated-job" : "replicated"));
            deploy.Add("replicas", SwarmYaml.Number(1));
        }
        else
        {
            deploy.Add("mode", SwarmYaml.Quoted("replicated"));
            deploy.Add("replicas", SwarmYaml.Number(long.TryParse(source is null ? null : SwarmYaml.Text(source, "replicas"), out var replicas) ? replicas : 1));
        }

        // Without IPVS a service's virtual IP resolves but does not answer (design.md): DNS round robin instead.
        if (!request.HasIpvs)
            deploy.Add("endpoint_mode", SwarmYaml.Quoted("dnsrr"));
        if (labels is { Children.Count: > 0 })
            deploy.Add("labels", labels); // on the service too, so the build finds io.mlstack.* through the Swarm API

        var placementNode = new YamlMappingNode();
        var constraints = SwarmPlacements.Constraints(name, placement, request.Roles);
        if (constraints.Count > 0)
            placementNode.Add("constraints", SwarmYaml.Strings(constraints));
        if (publishesPorts && !spec.IsOneShot)
            placementNode.Add("max_replicas_per_node", SwarmYaml.Number(1)); // one task per node can hold a host-mode port
        if (placementNode.Children.Count > 0)
            deploy.Add("placement", placementNode);

        if (Resources(source) is { } resources)
            deploy.Add("resources", resources);

        deploy.Add("restart_policy", spec.IsOneShot
            ? new YamlMappingNode { { "condition", SwarmYaml.Quoted("none") } } // a failed one-shot fails the deploy once, not in a loop
            : new YamlMappingNode { { "condition", SwarmYaml.Quoted("any") }, { "delay", SwarmYaml.Quoted("5s") } });

        if (spec.IsOneShot && !request.CliRunsJobs)
        {
            // A one-task service whose task exits: Swarm's updater counts the exit as a failure and, by default, pauses
            // the update (tried by hand): carry on instead; the build's gate reads the task's exit, not the update state.
            deploy.Add("update_config", new YamlMappingNode
            {
                { "parallelism", SwarmYaml.Number(1) },
                { "order", SwarmYaml.Quoted("stop-first") },
                { "failure_action", SwarmYaml.Quoted("continue") },
            });
        }
        else if (!spec.IsOneShot)
        {
            var order = SwarmUpdatePolicy.Order(placement, publishesPorts);
            deploy.Add("update_config", SwarmUpdatePolicy.UpdateConfig(spec.Healthcheck, order));
            deploy.Add("rollback_config", SwarmUpdatePolicy.RollbackConfig(spec.Healthcheck, order));
        }

        return deploy;
    }

    /// <summary>limits and reservations; cpus and memory as strings, as format 3.x wants (compose v1 prints cpus as a number).</summary>
    private static YamlMappingNode? Resources(YamlMappingNode? source)
    {
        if (source is null || SwarmYaml.Child(source, "resources") is not YamlMappingNode resources)
            return null;
        var node = new YamlMappingNode();
        foreach (var kind in new[] { "limits", "reservations" })
        {
            if (SwarmYaml.Child(resources, kind) is not YamlMappingNode values)
                continue;
            var rendered = new YamlMappingNode();
            foreach (var key in new[] { "cpus", "memory" })
            {
                if (SwarmYaml.Text(values, key) is { } value)
                    rendered.Add(key, SwarmYaml.Quoted(value));
            }

            if (kind == "limits" && SwarmYaml.Text(values, "pids") is { } pids)
                rendered.Add("pids", new YamlScalarNode(pids));
            if (rendered.Children.Count > 0)
                node.Add(kind, rendered);
        }

        return node.Children.Count > 0 ? node : null;
    }
}
