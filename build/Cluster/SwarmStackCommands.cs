using Mlstack.Build.Engine;

namespace Mlstack.Build.Cluster;

/// <summary>The docker CLI lines a cluster deploy runs on a manager over SSH: the stack deploy itself (the API has no
/// "stack": the CLI turns a stack file into services, networks and secrets), service logs, a stack stopped. Every
/// argument is a service or stack name of the build's own or a path under the deploy path, quoted.</summary>
public static class SwarmStackCommands
{
    /// <summary>A stack's service as Swarm names it.</summary>
    public static string ServiceName(string stack, string service) => StackNaming.SwarmName(stack, service);

    /// <summary>Deploys a phase's stack file. <c>--resolve-image never</c>: the services name content tags every node
    /// already has (no registry to ask for a digest). <paramref name="prune"/> on the last phase only: services that
    /// the file no longer has go (an earlier phase's file lacks the later phases' services).</summary>
    public static string Deploy(string stack, string file, bool prune) =>
        $"docker stack deploy --resolve-image never{(prune ? " --prune" : string.Empty)} --compose-file {Quote(file)} {Quote(stack)} 2>&1";

    /// <summary>A failed service's story: its recent tasks (node, state, error) then its last log lines. service logs
    /// waits for every node that ran a task of the service, a down one too (tried here): it gets 15 s.</summary>
    public static string Logs(string stack, string service) =>
        $"docker service ps --no-trunc --format '{{{{.Name}}}} {{{{.Node}}}} {{{{.CurrentState}}}} {{{{.Error}}}}' {Quote(ServiceName(stack, service))} 2>&1 | head -n 6; "
        + $"{{ timeout 15 docker service logs --no-task-ids --tail 20 {Quote(ServiceName(stack, service))} 2>&1 || [ $? != 124 ] "
        + "|| echo '(docker service logs did not answer within 15 s: a node that ran its tasks may be down)'; } | tail -n 40";

    /// <summary>Every service of the stack scaled to 0: its containers stop, the volumes and the services' specs (and
    /// the tasks' logs) stay, so a first release that failed can be read.</summary>
    public static string ScaleToZero(string stack) =>
        $"docker service ls --filter {Quote($"label={StackNaming.StackLabel}={stack}")} --format '{{{{.Name}}}}={{{{.Mode}}}}' | sed -n 's/=replicated$/=0/p' | xargs -r docker service scale --detach 2>&1";

    /// <summary>A kept file of a release (nothing printed when it is missing).</summary>
    public static string Read(string path) => $"cat {Quote(path)} 2>/dev/null";

    private static string Quote(string word) => Mlstack.Build.Remote.AtomicUpload.Quote(word);
}
