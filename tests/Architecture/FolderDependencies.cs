using System.Text.RegularExpressions;

namespace Mlstack.Tests.Architecture;

/// <summary>Which build/ folders each folder's code names: <c>using Mlstack.Build.X;</c>, a fully qualified
/// <c>Mlstack.Build.X.</c>, or a relative <c>X.Type</c> (inside Mlstack.Build.*, <c>Deploy.ReleaseJson</c> reaches
/// Mlstack.Build.Deploy without a using).</summary>
internal static partial class FolderDependencies
{
    public static IReadOnlyList<string> Folders(string buildDirectory) =>
        [.. Directory.GetDirectories(buildDirectory)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name is not ("bin" or "obj") && Directory.EnumerateFiles(Path.Combine(buildDirectory, name), "*.cs", SearchOption.AllDirectories).Any())
            .Order(StringComparer.Ordinal)];

    /// <summary>Each folder's dependencies on other folders, with one file that shows each (for the message).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Read(string buildDirectory)
    {
        var folders = Folders(buildDirectory);
        var types = folders.ToDictionary(f => f, f => TypesDeclaredIn(Path.Combine(buildDirectory, f)));
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        foreach (var folder in folders)
        {
            var uses = new Dictionary<string, string>();
            foreach (var file in Directory.EnumerateFiles(Path.Combine(buildDirectory, folder), "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var text = File.ReadAllText(file);
                foreach (var other in folders.Where(o => o != folder && !uses.ContainsKey(o) && Names(text, o, types[o])))
                    uses[other] = Path.GetRelativePath(buildDirectory, file);
            }

            result[folder] = uses;
        }

        return result;
    }

    // A relative X.Type counts only for a type X declares: SshTarget's Host.Contains(…) is a property, not build/Host.
    private static bool Names(string text, string folder, HashSet<string> folderTypes) =>
        text.Contains($"Mlstack.Build.{folder};", StringComparison.Ordinal)
        || text.Contains($"Mlstack.Build.{folder}.", StringComparison.Ordinal)
        || Regex.Matches(text, $@"(?<![\w.""]){folder}\.([A-Z]\w*)", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(5))
            .Any(m => folderTypes.Contains(m.Groups[1].Value));

    private static HashSet<string> TypesDeclaredIn(string directory) =>
        [.. Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => TypeDeclaration().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))];

    [GeneratedRegex(@"\b(?:class|record|interface|enum|struct|delegate\s+\S+)\s+([A-Z]\w*)")]
    private static partial Regex TypeDeclaration();
}
