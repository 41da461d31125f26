using Docker.DotNet.Models;

namespace Mlstack.Build.Remote;

/// <summary>An engine stream that reports progress (a push, a pull), given up when no progress has come for a while
/// and tried once more. The engine waits for ever on a connection that lost its answer: in CI a Deploy sat 20 minutes
/// shipping one image (the local engine's push to the loopback registry had begun; the VM pulls through an SSH
/// forward, where SSH.NET can lose answers, see SshSession.OneConnectionAtATime). A second try keeps what arrived.</summary>
public static class StallGuard
{
    public static async Task RunAsync(Func<IProgress<JSONMessage>, CancellationToken, Task> stream, Action<JSONMessage> onMessage,
        TimeSpan limit, string what, Action<string> onRetry, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var stalled = CancellationTokenSource.CreateLinkedTokenSource(ct);
            stalled.CancelAfter(limit);
            try
            {
                await stream(new EngineProgress(m =>
                {
                    stalled.CancelAfter(limit);
                    onMessage(m);
                }), stalled.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (stalled.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                var message = $"{what} made no progress for {limit.TotalSeconds:0} s";
                if (attempt == 2)
                    throw new TimeoutException($"{message}, twice; nothing was switched: run it again.", e);
                onRetry($"{message}; trying once more (what arrived is kept).");
            }
        }
    }
}
