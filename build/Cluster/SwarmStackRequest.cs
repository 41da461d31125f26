using Mlstack.Build.Stack;

namespace Mlstack.Build.Cluster;

/// <summary>What the stack for <c>docker stack deploy</c> is rendered from: the stack as compose resolved it (the
/// output of <c>compose config</c>, variables already substituted: stack deploy reads no .env), the roles the
/// inventory's hosts have, and the release's own references.</summary>
/// <param name="ComposeConfig">The text <c>compose config</c> printed for compose.yaml + the environment's override,
/// read with the build's secret-file variables set (so each secret's <c>file:</c> is the release's file).</param>
/// <param name="Roles">The roles at least one host of the inventory has: placement only names labels some node has.</param>
/// <param name="Images">Each built image's repository (e.g. mlstack/ml-service) → the release's content-tagged
/// reference (mlstack/ml-service:3f2a…): every node resolves the same tag, no registry digest involved.</param>
/// <param name="SecretVersions">Each secret → its version (StackSecrets.Version: a keyed hash of its content). A
/// Swarm secret cannot change in place, so its name carries the version and a rotation is a new secret.</param>
/// <param name="HasIpvs">Whether the nodes' kernel has IPVS: without it a service's virtual IP does not answer, so
/// every service is reached by DNS round robin (<c>endpoint_mode: dnsrr</c>).</param>
/// <param name="StackName">The stack's name (docker stack deploy's argument): secrets' names start with it.</param>
/// <param name="CliRunsJobs">Whether the docker CLI that runs stack deploy converts <c>mode: replicated-job</c>. The
/// engine of Debian's docker.io 20.10 runs jobs (API 1.41), but its CLI's stack deploy refuses the mode ("Unknown
/// mode: replicated-job", tried by hand): then a one-shot is a replicated service of one task that is never
/// restarted, which every CLI reads.</param>
public sealed record SwarmStackRequest(
    string ComposeConfig,
    IReadOnlySet<ClusterRole> Roles,
    IReadOnlyDictionary<string, string> Images,
    IReadOnlyDictionary<string, string> SecretVersions,
    bool HasIpvs,
    string StackName = ComposeProject.DefaultName,
    bool CliRunsJobs = false);

/// <summary>One step of a first deploy (or a release whose one-shots changed): deploy these services and jobs, then
/// wait until the jobs completed and the services are healthy, before the next phase. Swarm starts everything it is
/// given at once; the order compose's <c>depends_on</c> gave is kept this way, by the build.</summary>
public sealed record SwarmDeployPhase(int Number, IReadOnlyList<string> Services, IReadOnlyList<string> Jobs)
{
    public IEnumerable<string> All => Services.Concat(Jobs);
}

/// <summary>A setting of the compose file that the Swarm stack does not carry, and why (Deploy reports them).</summary>
public sealed record SwarmDropped(string Service, string Setting, string Why)
{
    public override string ToString() => $"{Service}: {Setting} ({Why})";
}
