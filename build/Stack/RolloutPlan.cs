using Mlstack.Build.Gates;

namespace Mlstack.Build.Stack;

/// <summary>Which HTTP services an Up starts new-beside-old instead of letting compose recreate them in place. Pure.</summary>
public static class RolloutPlan
{
    /// <summary>Those behind the edge (an <c>io.mlstack.upstream</c> label) that changed and serve now, while the edge
    /// runs healthy: compose would stop them before their new copy is up. With no edge yet (a first Up), or nothing
    /// serving, compose starts them as usual: there is no traffic to keep.</summary>
    /// <summary>And the edge itself, first, when it changed while the network it joins did not
    /// (<see cref="EdgeRollout"/>): a new edge-net (its base image changed) takes the edge down with it, which compose
    /// then recreates in place.</summary>
    /// <param name="unchanged">Services that run what the last Up gated, with the same config and image.</param>
    public static IReadOnlyList<ServiceSpec> Select(ComposeModel model, IReadOnlySet<string> unchanged, IReadOnlyList<ContainerSnapshot> running)
    {
        if (model.Edge is not { } edge || !running.Any(c => c.Service == edge.Name && Serving(c)))
            return [];
        var services = model.Services.Where(s => s.Upstream != null && !unchanged.Contains(s.Name) && running.Any(c => c.Service == s.Name && Serving(c)));
        var edgeRolls = !unchanged.Contains(edge.Name) && edge.NetworkOf is { } network && unchanged.Contains(network);
        return edgeRolls ? [edge, .. services] : [.. services];
    }

    private static bool Serving(ContainerSnapshot container) => container is { IsRunning: true, Health: null or "healthy" };
}
