namespace Mlstack.Tests.Architecture;

/// <summary>The folders of build/ in layers: a folder may use only folders of a lower layer. The root partials
/// (build/Build*.cs) are the targets and may use anything; nothing uses them.</summary>
internal static class BuildLayers
{
    /// <summary>The runner: the modules may not use it (the log and the failures they need are Core's).</summary>
    public static readonly IReadOnlySet<string> Runner = new HashSet<string> { "Host", "GitHubActions" };

    public static readonly IReadOnlyDictionary<string, int> Rank = new Dictionary<string, int>
    {
        // The vocabulary every module shares: the log, secrets masking, the failure types, durations, JSON options.
        ["Core"] = 0,

        // The runner (targets, parameters, the summary) and its workflow generator: they know no module, and no
        // module knows them.
        ["Host"] = 1,
        ["GitHubActions"] = 2,

        // Processes.
        ["Tooling"] = 1,

        // The Docker Engine: one client factory, compose's labels, containers, Compose discovery.
        ["Engine"] = 2,
        ["Testing"] = 2,

        // This machine's engine and Compose found (or installed); a VM over SSH.
        ["Doctor"] = 3,
        ["Remote"] = 3,

        // Health gates: containers against goals, knowing nothing of compose files.
        ["Gates"] = 4,

        // The compose project: its model, Up, Status.
        ["Stack"] = 5,

        // Where the stack runs; what runs against it.
        ["Site"] = 6,
        ["Smoke"] = 6,
        ["Images"] = 6,

        ["Load"] = 7,
        ["Backup"] = 8,
        ["Deploy"] = 9,

        // Many machines: the inventory, and a swarm formed from VMs that each Bootstrap as Deploy's one VM.
        ["Cluster"] = 10,
    };
}
