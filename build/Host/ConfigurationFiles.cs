using System.Reflection;
using Mlstack.Build.Core;

namespace Mlstack.Build.Host;

/// <summary>Writes the files the build's <see cref="ConfigurationAttribute"/>s generate. With CI=true it only
/// compares: a committed file that differs from what the attributes generate fails the build, so a pipeline can
/// never run stale after a target or parameter was renamed.</summary>
internal static class ConfigurationFiles
{
    public static void Update(string root, object build, BuildDeclarations declarations, bool ci)
    {
        // Only a checkout has committed files to be stale; a scratch root (a test's --root) just gets them written.
        ci = ci && Path.Exists(Path.Combine(root, ".git"));
        foreach (var attribute in Declared(build))
        {
            var text = attribute.Generate(declarations);
            var path = Path.Combine(root, attribute.RelativePath);
            var committed = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : null;
            if (committed == text)
                continue;
            if (ci)
                throw new BuildInputException(
                    $"{attribute.RelativePath} {(committed == null ? "is missing" : "differs from what the build generates")}: run ./build.sh once locally and commit it (CI never rewrites it).");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }
    }

    /// <summary>The attributes in file order, each path once (two attributes writing one file is a mistake).</summary>
    public static IReadOnlyList<ConfigurationAttribute> Declared(object build)
    {
        var attributes = build.GetType().GetCustomAttributes<ConfigurationAttribute>(inherit: true)
            .OrderBy(a => a.RelativePath, StringComparer.Ordinal).ToList();
        var twice = attributes.GroupBy(a => a.RelativePath, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice != null)
            throw new BuildInputException($"Two attributes on {build.GetType().Name} generate {twice.Key}; give each workflow its own name.");
        return attributes;
    }
}
