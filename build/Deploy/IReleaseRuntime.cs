namespace Mlstack.Build.Deploy;

/// <summary>The stack on the VM as the release state machines drive it: start a release behind its gates, smoke it,
/// stop it, drop images. <see cref="VmReleaseRuntime"/> does it over SSH and the VM's engine; unit tests script it.</summary>
public interface IReleaseRuntime
{
    /// <summary>compose up of the release, then its gates (a <c>GateFailedException</c> when a service does not become
    /// ready). Returns whether any container was created or restarted.</summary>
    Task<bool> StartAsync(string releaseId, CancellationToken ct = default);

    /// <summary>What the last start's rollouts did (services moved new-beside-old, when), for the audit line; null
    /// when it rolled none.</summary>
    string? LastRollouts => null;

    /// <summary>The smoke test against the release's services (a <c>SmokeFailedException</c> when a check fails).</summary>
    Task SmokeAsync(string releaseId, CancellationToken ct = default);

    /// <summary>Stops the stack's containers, keeping them (and every volume) for their logs.</summary>
    Task StopAsync(string releaseId, CancellationToken ct = default);

    /// <summary>Deletes images from the VM; one still in use stays, with a warning.</summary>
    Task RemoveImagesAsync(IReadOnlyList<string> imageIds, CancellationToken ct = default);
}
