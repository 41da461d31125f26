using Docker.DotNet;
using Mlstack.Build.Engine;

namespace Mlstack.Build.Doctor;

/// <summary>The Doctor's window on the engine: is one answering at this endpoint, and which version is it.</summary>
public static class EngineProbe
{
    public const string DefaultSocket = "unix:///var/run/docker.sock";

    /// <summary>DOCKER_HOST when set, else the default socket.</summary>
    public static (Uri Endpoint, bool Explicit) Endpoint()
    {
        var configured = Environment.GetEnvironmentVariable("DOCKER_HOST");
        return string.IsNullOrWhiteSpace(configured)
            ? (new Uri(DefaultSocket), false)
            : (new Uri(configured), true);
    }

    public static DockerClient Client(Uri endpoint, TimeSpan? timeout = null) =>
        EngineClients.Connect(endpoint, timeout);

    /// <summary>The engine's version and API version, or null when nothing answers within a few seconds.</summary>
    public static async Task<(string Version, string Api)?> TryVersionAsync(Uri endpoint, CancellationToken ct) =>
        (await ProbeAsync(endpoint, ct).ConfigureAwait(false)).Engine;

    /// <summary>The engine's versions, or why it did not answer.</summary>
    public static async Task<((string Version, string Api)? Engine, string? Problem)> ProbeAsync(Uri endpoint, CancellationToken ct)
    {
        using var client = Client(endpoint, TimeSpan.FromSeconds(5));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            var version = await client.System.GetVersionAsync(timeout.Token).ConfigureAwait(false);
            return ((version.Version, version.APIVersion), null);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Any failure means "no engine here"; the reason goes into the message the user sees.
            return (null, e is OperationCanceledException ? "no answer within 5 s" : e.GetBaseException().Message);
        }
    }
}
