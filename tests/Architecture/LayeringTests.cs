using Mlstack.Tests.Support;

namespace Mlstack.Tests.Architecture;

/// <summary>The build's folders depend one way: down the layer table of <see cref="BuildLayers"/>. A cycle, or a
/// module reaching up (Gates into Stack, Backup into Deploy), fails here before it becomes a habit.</summary>
public sealed class LayeringTests
{
    private static readonly string BuildDirectory = Path.Combine(RepositoryRoot.Path, "build");

    [Fact]
    public void Every_folder_has_a_layer()
    {
        var missing = FolderDependencies.Folders(BuildDirectory).Where(f => !BuildLayers.Rank.ContainsKey(f)).ToList();

        Assert.True(missing.Count == 0, $"build/{string.Join(", build/", missing)}: not in the layer table (tests/Architecture/BuildLayers.cs); give it a layer.");
    }

    [Fact]
    public void No_folder_uses_its_own_layer_or_one_above()
    {
        var upward = FolderDependencies.Read(BuildDirectory)
            .SelectMany(folder => folder.Value.Select(use => (From: folder.Key, To: use.Key, File: use.Value)))
            .Where(d => BuildLayers.Rank.TryGetValue(d.From, out var from) && BuildLayers.Rank.TryGetValue(d.To, out var to) && to >= from)
            .Select(d => $"{d.From} (layer {BuildLayers.Rank[d.From]}) uses {d.To} (layer {BuildLayers.Rank[d.To]}), e.g. in build/{d.File}")
            .ToList();

        Assert.True(upward.Count == 0, "Dependencies against the layers:\n" + string.Join('\n', upward));
    }

    [Fact]
    public void No_cycle_between_folders()
    {
        var graph = FolderDependencies.Read(BuildDirectory);

        var cycle = DependencyCycles.Find(graph.ToDictionary(f => f.Key, f => (IReadOnlyCollection<string>)[.. f.Value.Keys]));

        Assert.True(cycle == null, $"A cycle between build/ folders: {string.Join(" → ", cycle ?? [])}");
    }

    [Fact]
    public void Host_uses_no_module()
    {
        var uses = FolderDependencies.Read(BuildDirectory)["Host"].Where(u => u.Key != "Core").ToList();

        Assert.True(uses.Count == 0, $"Host uses {string.Join(", ", uses.Select(u => $"{u.Key} (build/{u.Value})"))}: the runner knows nothing of the modules.");
    }

    [Fact]
    public void No_module_uses_the_runner()
    {
        var uses = FolderDependencies.Read(BuildDirectory)
            .Where(folder => !BuildLayers.Runner.Contains(folder.Key))
            .SelectMany(folder => folder.Value.Where(u => BuildLayers.Runner.Contains(u.Key)).Select(u => $"{folder.Key} uses {u.Key} in build/{u.Value}"))
            .ToList();

        Assert.True(uses.Count == 0, "Modules reach into the runner (its log and errors are in Core):\n" + string.Join('\n', uses));
    }

    [Fact]
    public void A_cycle_is_found()
    {
        var graph = new Dictionary<string, IReadOnlyCollection<string>> { ["Stack"] = ["Gates"], ["Gates"] = ["Tooling", "Stack"], ["Tooling"] = [] };

        Assert.Equal("Gates → Stack → Gates", string.Join(" → ", DependencyCycles.Find(graph) ?? []));
        Assert.Null(DependencyCycles.Find(new Dictionary<string, IReadOnlyCollection<string>> { ["Stack"] = ["Gates"], ["Gates"] = [] }));
    }
}
