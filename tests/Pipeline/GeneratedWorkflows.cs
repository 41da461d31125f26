using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Pipeline;

/// <summary>The workflows the tests check: the committed ones, and those of a test build written to a temporary
/// folder.</summary>
internal static class GeneratedWorkflows
{
    public static IReadOnlyList<string> CommittedFiles() =>
        [.. Directory.GetFiles(Path.Combine(RepositoryRoot.Path, ".github", "workflows"), "*.yml").Order(StringComparer.Ordinal)];

    /// <summary>Relative path → text, for every attribute on the build.</summary>
    public static IReadOnlyDictionary<string, string> Generate(BuildHost build)
    {
        var declarations = new BuildDeclarations(TargetDiscovery.Discover(build), BuildParameter.Discover(build));
        return ConfigurationFiles.Declared(build).ToDictionary(a => Path.GetFileNameWithoutExtension(a.RelativePath), a => a.Generate(declarations));
    }

    public static IReadOnlyList<string> WriteTo(string directory, IReadOnlyDictionary<string, string> workflows) =>
        [.. workflows.Select(w =>
        {
            var path = Path.Combine(directory, w.Key + ".yml");
            File.WriteAllText(path, w.Value);
            return path;
        })];
}
