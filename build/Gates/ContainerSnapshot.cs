namespace Mlstack.Build.Gates;

/// <summary>One container of a compose service as the engine saw it at one moment.</summary>
/// <param name="Name">The container's name, which Docker's DNS resolves on the networks it is on.</param>
public sealed record ContainerSnapshot(
    string Id,
    string Service,
    DateTimeOffset Created,
    string Status,
    string? Health,
    long ExitCode,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    IReadOnlyList<string> HealthOutputs,
    string Image,
    string Name = "")
{
    public bool IsRunning => Status == "running";
    public bool HasExited => Status is "exited" or "dead";
}
