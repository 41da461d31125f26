using Mlstack.Build.Core;

namespace Mlstack.Build.Smoke;

/// <summary>A service has no running container to exec in or read the health of. Smoke checks catch it by this type:
/// a worker tier the autoscaler stopped is an answer there, not a crash.</summary>
public sealed class NoRunningContainerException(string service) : BuildFailure($"no running container for {service}")
{
    public string Service { get; } = service;
}
