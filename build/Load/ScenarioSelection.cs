using Mlstack.Build.Core;

namespace Mlstack.Build.Load;

/// <summary>--scenarios: the declared scenarios to run, by name, in their declared order.</summary>
public static class ScenarioSelection
{
    /// <summary>No names means every scenario; names that match nothing are a mistake rather than a run of nothing.
    /// Names match whatever their case.</summary>
    public static IReadOnlyList<LoadScenario> Pick(IReadOnlyList<LoadScenario> all, IReadOnlyList<string> names)
    {
        var picked = all.Where(s => names.Count == 0 || names.Contains(s.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        if (picked.Count == 0)
            throw new BuildInputException($"--scenarios {string.Join(' ', names)}: none of these exists; choose from {string.Join(", ", all.Select(s => s.Name))}.");
        return picked;
    }
}
