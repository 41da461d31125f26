namespace Mlstack.Tests.Architecture;

/// <summary>The folders of build/ in layers: a folder may use only folders of a lower layer. The root partials
/// (build/Build*.cs) are the targets and may use anything; nothing uses them.</summary>
internal static class BuildLayers
{
    public static readonly IReadOnlyDictionary<string, int> Rank = new Dictionary<string, int>
    {
        // The runner and the failure types: Host knows no module; Core is the vocabulary every module shares.
        ["Core"] = 0,
        ["Host"] = 0,

        // Processes and generated files.
        ["Tooling"] = 1,
        ["GitHubActions"] = 1,

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
    };
}
