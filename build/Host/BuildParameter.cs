using System.Reflection;

namespace Mlstack.Build.Host;

/// <summary>One declared parameter: where it lives on the build, and the names it answers to.</summary>
internal sealed class BuildParameter
{
    private const BindingFlags Members = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    private BuildParameter(MemberInfo member, ParameterAttribute attribute, object build)
    {
        Member = member;
        Name = attribute.Name ?? member.Name;
        CliName = NameMatching.KebabCase(Name);
        Description = attribute.Description;
        IsSecret = member.GetCustomAttribute<SecretAttribute>() != null;
        ValueType = member is FieldInfo field ? field.FieldType : ((PropertyInfo)member).PropertyType;
        DefaultValue = GetValue(build);
    }

    public MemberInfo Member { get; }
    public string Name { get; }
    public string CliName { get; }
    public string Description { get; }
    public bool IsSecret { get; }
    public Type ValueType { get; }
    public object? DefaultValue { get; }

    public object? GetValue(object build) => Member switch
    {
        FieldInfo field => field.GetValue(build),
        PropertyInfo property => property.GetValue(build),
        _ => null,
    };

    public void SetValue(object build, object? value)
    {
        switch (Member)
        {
            case FieldInfo field:
                field.SetValue(build, value);
                break;
            case PropertyInfo property:
                property.SetValue(build, value);
                break;
        }
    }

    /// <summary>Fields and settable properties marked [Parameter], on the build class and its bases; the host's own
    /// (help, plan, skip, …) come last.</summary>
    public static IReadOnlyList<BuildParameter> Discover(object build)
    {
        var found = new List<BuildParameter>();
        for (var type = build.GetType(); type != null && type != typeof(object); type = type.BaseType)
        {
            var members = type.GetMembers(Members | BindingFlags.DeclaredOnly)
                .Where(m => m is FieldInfo || m is PropertyInfo { CanWrite: true })
                .OrderBy(m => m.MetadataToken);
            foreach (var member in members)
            {
                if (member.GetCustomAttribute<ParameterAttribute>() is { } attribute)
                    found.Add(new BuildParameter(member, attribute, build));
            }
        }

        return found;
    }
}
