using System.Text;
using Mlstack.Build.Stack;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Build.Deploy;

/// <summary>What a release puts on the VM: the compose files (without their build sections: the VM never builds,
/// it runs the images Deploy shipped), stack/config, and the env file — the stack's settings plus each image's
/// content-tagged reference — owner-only, since it holds the passwords.</summary>
public static class ReleaseBundle
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Readable = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <param name="settings">The stack's variables (env file, overridden by the environment) plus the image variables.</param>
    public static IReadOnlyList<ReleaseFile> Files(ComposeProject project, IReadOnlyDictionary<string, string> settings)
    {
        var files = project.Files.Select(f => new ReleaseFile(Path.GetFileName(f), Encoding.UTF8.GetBytes(WithoutBuild(File.ReadAllText(f))), Readable)).ToList();
        var config = Path.Combine(project.Directory, "config");
        if (Directory.Exists(config))
        {
            files.AddRange(Directory.EnumerateFiles(config, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                .Select(f => new ReleaseFile(Path.GetRelativePath(project.Directory, f).Replace('\\', '/'), File.ReadAllBytes(f), Readable)));
        }

        var env = string.Concat(settings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}\n"));
        files.Add(new ReleaseFile(".env", Encoding.UTF8.GetBytes(env), Private));
        return files;
    }

    /// <summary>A digest of the files (paths, modes and bytes): the compose files, the settings with every image's
    /// content-tagged reference and the config's content-addressed path. Two releases with the same hash run the
    /// same thing.</summary>
    public static string Hash(IReadOnlyList<ReleaseFile> files)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var file in files.OrderBy(f => f.RelativePath, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{file.RelativePath} {(int)file.Mode}\n"));
            hash.AppendData(System.Security.Cryptography.SHA256.HashData(file.Content));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The compose file with every <c>build:</c> removed (services and x- anchors alike); anchors and
    /// merge keys stay as they were.</summary>
    public static string WithoutBuild(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            return yaml;
        var build = new YamlScalarNode("build");
        foreach (var (key, value) in root.Children)
        {
            var name = ((YamlScalarNode)key).Value ?? string.Empty;
            if (name.StartsWith("x-", StringComparison.Ordinal) && value is YamlMappingNode anchor)
                anchor.Children.Remove(build);
            else if (name == "services" && value is YamlMappingNode services)
            {
                foreach (var service in services.Children.Values.OfType<YamlMappingNode>())
                    service.Children.Remove(build);
            }
        }

        var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
