using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Core;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Deploy;

/// <summary>Smokes the named services of the release on the VM.</summary>
public delegate Task ReleaseSmoke(IReadOnlyList<string> services, CancellationToken ct);

/// <summary>The stack on the VM: <see cref="ReleaseActivation"/> for compose and the gates (found once, on first use,
/// so a deploy that stops before it reaches the stack never looks for Compose), the build's smoke test, the VM's
/// engine for images.</summary>
public sealed class VmReleaseRuntime(SshSession vm, Func<CancellationToken, Task<(ReleaseActivation Activation, UpOptions Options)>> activation, ReleaseSmoke smoke, BuildLog log)
    : IReleaseRuntime
{
    private (ReleaseActivation Activation, UpOptions Options)? _found;

    private async Task<(ReleaseActivation Activation, UpOptions Options)> ActivationAsync(CancellationToken ct) =>
        _found ??= await activation(ct).ConfigureAwait(false);

    /// <summary>The release whose HTTP copies a canary judges before they take all traffic (Deploy --canary), and how.</summary>
    public (string Release, CanaryPolicy Policy)? Canary { get; init; }

    public string? LastRollouts { get; private set; }

    public async Task<bool> StartAsync(string releaseId, CancellationToken ct = default)
    {
        var (releases, options) = await ActivationAsync(ct).ConfigureAwait(false);
        if (Canary is { } canary && canary.Release == releaseId)
            options = options with { Canary = canary.Policy };
        LastRollouts = null;
        var result = await releases.UpAsync(releaseId, options, ct).ConfigureAwait(false);
        LastRollouts = result.Rollouts is { Count: > 0 } rollouts ? string.Join("; ", rollouts) : null;
        return !result.NoContainerTouched;
    }

    public async Task SmokeAsync(string releaseId, CancellationToken ct = default)
    {
        var (releases, _) = await ActivationAsync(ct).ConfigureAwait(false);
        var services = (await releases.ModelAsync(releaseId, ct).ConfigureAwait(false)).Services.Select(s => s.Name).ToList();
        await smoke(services, ct).ConfigureAwait(false);
    }

    public async Task StopAsync(string releaseId, CancellationToken ct = default) =>
        await (await ActivationAsync(ct).ConfigureAwait(false)).Activation.StopAsync(releaseId, ct).ConfigureAwait(false);

    public async Task RemoveImagesAsync(IReadOnlyList<string> imageIds, CancellationToken ct = default)
    {
        using var engine = vm.OpenEngine();
        foreach (var image in imageIds)
        {
            try
            {
                await engine.Images.DeleteImageAsync(image, new ImageDeleteParameters(), ct).ConfigureAwait(false);
            }
            catch (DockerApiException e)
            {
                log.Warn($"Deploy: kept image {image[..Math.Min(19, image.Length)]}: {e.Message.Split('\n')[0]}");
            }
        }
    }
}
