namespace Mlstack.Build.Cluster;

/// <summary>Each secret's version, from where the release keeps its file: ReleaseSecrets stores a secret at
/// &lt;root&gt;/&lt;name&gt;-&lt;version&gt;/&lt;name&gt; (StackSecrets.PathOf), so the resolved compose config already
/// says it, and the version is never computed twice (its key stays on the VM).</summary>
public static class SwarmSecretVersions
{
    public static IReadOnlyDictionary<string, string> Of(string composeConfig)
    {
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in SwarmYaml.Entries(SwarmYaml.Child(SwarmYaml.Load(composeConfig), "secrets")))
        {
            if (value is not YamlDotNet.RepresentationModel.YamlMappingNode secret || SwarmYaml.Text(secret, "file") is not { } file)
                continue;
            var folder = Path.GetFileName(Path.GetDirectoryName(file)) ?? string.Empty;
            if (Path.GetFileName(file) is { Length: > 0 } fileName && folder.StartsWith(fileName + "-", StringComparison.Ordinal))
                versions[name] = folder[(fileName.Length + 1)..];
        }

        return versions;
    }
}
