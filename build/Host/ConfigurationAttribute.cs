namespace Mlstack.Build.Host;

/// <summary>A file generated from attributes on the build class (NUKE's ConfigurationAttributeBase), such as a CI
/// workflow. The host regenerates it on every run, as it does build.schema.json, and knows nothing of its format.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public abstract class ConfigurationAttribute : Attribute
{
    /// <summary>Where the file lives, relative to the repository root, with forward slashes.</summary>
    public abstract string RelativePath { get; }

    /// <summary>The file's text. A reference to a target or parameter the build does not declare is a
    /// <see cref="BuildInputException"/> that names the file and the reference.</summary>
    internal abstract string Generate(BuildDeclarations build);
}

/// <summary>What a configuration file may refer to: the build's targets and parameters, by name.</summary>
internal sealed record BuildDeclarations(TargetGraph Targets, IReadOnlyList<BuildParameter> Parameters);
