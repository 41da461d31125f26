using System.Text.Json;
using Mlstack.Build.Core;
using Mlstack.Build.Deploy.Commands;
using Mlstack.Build.Remote;

namespace Mlstack.Build.Deploy;

/// <summary>One deploy or rollback at a time per VM: a kernel flock on &lt;deploy-path&gt;/.lock held by a command
/// that runs over this build's SSH session for as long as the deploy does. Ctrl-C, a killed build or a dropped
/// connection ends that command (the session's guard stops it when its channel closes), the kernel frees the lock,
/// and the next deploy needs no manual step. lock.json names the last holder; it is read only while the lock is
/// held, to say who holds it.</summary>
public sealed class DeployLock : IAsyncDisposable
{
    /// <summary>No deploy holds the lock longer: a hung one frees it by itself.</summary>
    public static readonly TimeSpan LongestHold = TimeSpan.FromHours(2);

    private readonly CancellationTokenSource _release;
    private readonly Task _holder;

    private DeployLock(CancellationTokenSource release, Task holder) => (_release, _holder) = (release, holder);

    public static async Task<DeployLock> AcquireAsync(IRemoteShell vm, string deployPath, LockHolder holder, TimeSpan wait, BuildLog log, CancellationToken ct = default)
    {
        var nonce = Guid.NewGuid().ToString("N");
        var command = LockCommands.Acquire(deployPath, HolderJson(holder, nonce), wait, LongestHold);
        var release = new CancellationTokenSource();
        var running = vm.RunAsync(command, LongestHold, release.Token);
        if (wait > TimeSpan.Zero)
            log.Info($"Deploy: waiting up to {wait.TotalSeconds:0}s for the deploy lock on {vm.Target.Host}");
        var deadline = DateTime.UtcNow + wait + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (running.IsCompleted)
            {
                release.Dispose();
                var result = await running.ConfigureAwait(false);
                if (result.ExitCode != LockCommands.HeldElsewhere)
                    throw new CommandFailedException($"Cannot take the deploy lock on {vm.Target.Host}: {result.Error.Trim()} (exit code {result.ExitCode}).", result.ExitCode);
                var current = (await vm.RunAsync(LockCommands.ReadHolder(deployPath), TimeSpan.FromSeconds(30), ct).ConfigureAwait(false)).Output;
                throw new DeployLockedException(LockedMessage(vm.Target.Host, current));
            }

            var written = await vm.RunAsync(LockCommands.ReadHolder(deployPath), TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
            if (written.Output.Contains(nonce, StringComparison.Ordinal))
            {
                log.Info($"Deploy: holding the deploy lock on {vm.Target.Host} for release {holder.Release}");
                return new DeployLock(release, running);
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }

        await release.CancelAsync().ConfigureAwait(false);
        release.Dispose();
        throw new CommandFailedException($"The deploy lock on {vm.Target.Host} neither came nor was refused in time.", null);
    }

    /// <summary>lock.json's content: the holder, and a nonce by which this deploy knows the lock is its own.</summary>
    public static string HolderJson(LockHolder holder, string nonce) =>
        JsonSerializer.Serialize(new { holder.User, holder.Machine, holder.Release, holder.Since, nonce }, ReleaseJson.Options);

    /// <summary>What a second deployer reads: who holds the lock, since when, and what to do.</summary>
    public static string LockedMessage(string host, string lockJson) =>
        $"{host} is being deployed: {Describe(lockJson)}; wait for it with --lock-wait 5m, or try again later.";

    private static string Describe(string lockJson)
    {
        try
        {
            var held = JsonSerializer.Deserialize<LockHolder>(lockJson, ReleaseJson.Options)!;
            return $"the lock is held by {held.User}@{held.Machine} since {held.Since.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC for release {held.Release}";
        }
        catch (JsonException)
        {
            return "the lock is held (its holder did not say who it is)";
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _release.CancelAsync().ConfigureAwait(false);
        try
        {
            await _holder.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SshCommandException or Renci.SshNet.Common.SshException)
        {
            // the holding command stopped: the kernel freed the lock with it
        }

        _release.Dispose();
    }
}
