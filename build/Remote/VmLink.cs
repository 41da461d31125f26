using Mlstack.Build.Core;

namespace Mlstack.Build.Remote;

/// <summary>A deploy's link to the VM: one SSH session at a time, and a step that loses the connection runs again on
/// a fresh one. Only a lost connection is retried — a step that fails while the connection is alive fails as it is —
/// so steps must be safe to run twice (Deploy's are: shipping skips layers the VM has, a release uploads under its own
/// id, compose up converges, the deploy lock is taken anew because the old one died with its connection).</summary>
public sealed class VmLink(Func<CancellationToken, Task<SshSession>> connect, BuildLog log, string prefix) : IAsyncDisposable
{
    /// <summary>How often one step may lose the connection before the deploy gives up.</summary>
    public const int Reconnects = 2;

    private SshSession? _session;

    public async Task<SshSession> SessionAsync(CancellationToken ct) => _session ??= await connect(ct).ConfigureAwait(false);

    public async Task RunAsync(string step, Func<SshSession, Task> work, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var session = await SessionAsync(ct).ConfigureAwait(false);
            try
            {
                await work(session).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not BuildInputException)
            {
                if (await session.IsAliveAsync().ConfigureAwait(false))
                    throw;
                var reason = (session.ConnectionError ?? e).Message.Split('\n')[0].TrimEnd('.');
                await DropAsync().ConfigureAwait(false);
                if (attempt == Reconnects)
                    throw new SshConnectionLostException($"The SSH connection to {session.Target} was lost {attempt + 1} times during {step} ({reason}); "
                        + "the VM keeps what was done and the lock was freed: run the command again.", e);
                log.Warn($"{prefix}: the SSH connection to {session.Target.Host} was lost during {step} ({reason}); reconnecting to run it again ({attempt + 1}/{Reconnects}).");
                await Task.Delay(TimeSpan.FromSeconds(2 << attempt), ct).ConfigureAwait(false);
            }
        }
    }

    private async Task DropAsync()
    {
        if (_session != null)
            await _session.DisposeAsync().ConfigureAwait(false);
        _session = null;
    }

    public ValueTask DisposeAsync() => new(DropAsync());
}

/// <summary>The connection to the VM broke: more often than <see cref="VmLink"/> reconnects, or while shipping images
/// (where a step run again skips what already arrived).</summary>
public sealed class SshConnectionLostException(string message, Exception inner) : BuildFailure(message, inner);
