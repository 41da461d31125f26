using System.Reflection;
using Mlstack.Build.Core;

namespace Mlstack.Build.Host;

/// <summary>Finds the build's targets — properties of type <see cref="Target"/> on the class and on the
/// component interfaces it implements — and resolves their relations.</summary>
internal static class TargetDiscovery
{
    private const BindingFlags Members = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    public static TargetGraph Discover(object build)
    {
        var byMethod = new Dictionary<MethodInfo, ExecutableTarget>();
        var byName = new Dictionary<string, ExecutableTarget>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in TargetProperties(build.GetType()))
        {
            if (byName.ContainsKey(property.Name))
                continue; // a class member hides the interface's default of the same name
            var target = (Target)property.GetValue(build)!;
            var definition = new TargetDefinition(property.Name);
            target(definition);
            var executable = new ExecutableTarget(definition, byName.Count);
            byName.Add(property.Name, executable);
            byMethod[target.Method] = executable;
        }

        foreach (var target in byName.Values)
            Resolve(build, target, byMethod);
        return new TargetGraph([.. byName.Values], byMethod);
    }

    private static IEnumerable<PropertyInfo> TargetProperties(Type type)
    {
        var own = new List<PropertyInfo>();
        for (var t = type; t != null && t != typeof(object); t = t.BaseType)
            own.InsertRange(0, t.GetProperties(Members | BindingFlags.DeclaredOnly)
                .Where(p => p.PropertyType == typeof(Target) && p.GetIndexParameters().Length == 0)
                .OrderBy(p => p.MetadataToken));
        var components = type.GetInterfaces()
            .OrderBy(i => i.FullName, StringComparer.Ordinal)
            .SelectMany(i => i.GetProperties(Members).Where(p => p.PropertyType == typeof(Target)).OrderBy(p => p.MetadataToken));
        return own.Concat(components);
    }

    private static void Resolve(object build, ExecutableTarget target, Dictionary<MethodInfo, ExecutableTarget> byMethod)
    {
        var d = target.Definition;
        Fill(target.DependsOn, d.DependsOnTargets);
        Fill(target.DependentFor, d.DependentForTargets);
        Fill(target.Before, d.BeforeTargets);
        Fill(target.After, d.AfterTargets);
        Fill(target.Triggers, d.TriggersTargets);
        Fill(target.TriggeredBy, d.TriggeredByTargets);

        void Fill(List<ExecutableTarget> resolved, List<Func<object, Target>> declared)
        {
            foreach (var select in declared)
            {
                var reference = select(build);
                if (!byMethod.TryGetValue(reference.Method, out var other))
                    throw new BuildInputException($"Target {target.Name} refers to a target that is not a property of the build; declare it as 'Target X => _ => ...'.");
                if (!resolved.Contains(other))
                    resolved.Add(other);
            }
        }
    }
}
