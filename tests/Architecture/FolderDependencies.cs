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
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        foreach (var folder in folders)
        {
            var uses = new Dictionary<string, string>();
            foreach (var file in Directory.EnumerateFiles(Path.Combine(buildDirectory, folder), "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var text = File.ReadAllText(file);
                foreach (var other in folders.Where(o => o != folder && !uses.ContainsKey(o) && Names(text, o)))
                    uses[other] = Path.GetRelativePath(buildDirectory, file);
            }

            result[folder] = uses;
        }

        return result;
    }

    private static bool Names(string text, string folder) =>
        text.Contains($"Mlstack.Build.{folder};", StringComparison.Ordinal)
        || text.Contains($"Mlstack.Build.{folder}.", StringComparison.Ordinal)
        || Regex.IsMatch(text, $@"(?<![\w.""]){folder}\.[A-Z]\w*", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(5));
}
