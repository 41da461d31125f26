namespace Mlstack.Build.Host;

/// <summary>A value the user can set: <c>--kebab-case</c> on the command line, an environment variable, or
/// .nuke/parameters.json.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class ParameterAttribute(string description = "") : Attribute
{
    public string Description { get; } = description;

    /// <summary>Overrides the member name the parameter is known by.</summary>
    public string? Name { get; init; }
}

/// <summary>The value is never printed: every line the build writes has it replaced by ***.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class SecretAttribute : Attribute;
