using System.Reflection;
using Mlstack.Build.Core;

namespace Mlstack.Build.Host;

/// <summary>Every target of a build, in declaration order. A <see cref="Target"/> delegate is identified by the
/// method behind it: each read of a target property makes a new delegate, but always over the same method.</summary>
internal sealed class TargetGraph(IReadOnlyList<ExecutableTarget> targets, IReadOnlyDictionary<MethodInfo, ExecutableTarget> byMethod)
{
    public IReadOnlyList<ExecutableTarget> Targets { get; } = targets;

    public ExecutableTarget Find(Target target) =>
        byMethod.TryGetValue(target.Method, out var found)
            ? found
            : throw new BuildInputException("The default target is not a property of the build.");

    public ExecutableTarget? FindByName(string name)
    {
        var wanted = NameMatching.Normalize(name);
        return Targets.FirstOrDefault(t => NameMatching.Normalize(t.Name) == wanted);
    }
}
