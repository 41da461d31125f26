using Mlstack.Build.Core;

namespace Mlstack.Build.Cluster;

/// <summary>The swarm formed but a node did not become ready (or a manager reachable) in time.</summary>
public sealed class SwarmNotReadyException(string message) : BuildFailure(message);
