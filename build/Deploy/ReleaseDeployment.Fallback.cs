using Mlstack.Build.Backup;

namespace Mlstack.Build.Deploy;

public sealed partial class ReleaseDeployment
{
    /// <summary>A failed release goes back to the last good one (gated again); with none, the stack is stopped and its
    /// logs stay for reading. Volumes are never touched. It runs on a token of its own with a time limit, so that a
    /// cancelled deploy (Ctrl-C) still returns, and a hung one still ends.</summary>
    /// <param name="failure">What made the release fail, kept inside the error when the return fails too.</param>
    private async Task ReturnToLastGoodAsync(ReleaseInfo failed, string reason, BackupEntry? before, Exception? failure = null)
    {
        using var limit = new CancellationTokenSource(options.RollbackTimeLimit);
        var ct = limit.Token;
        try
        {
            await _store.SetStatusAsync(failed.Id, ReleaseStatus.Failed, ct).ConfigureAwait(false);
            var lastGood = await _store.ResolveAsync(ReleaseLink.LastGood, ct).ConfigureAwait(false);
            if (lastGood == null)
            {
                log.Error($"Deploy: release {failed.Id} failed and there is no earlier good release to return to; stopping the stack (containers and volumes kept for their logs).");
                await runtime.StopAsync(failed.Id, ct).ConfigureAwait(false);
                await Audit.RecordAsync(DeployAudit.Line(failed, AuditOutcome.Failed, reason), ct).ConfigureAwait(false);
                return;
            }

            log.Error($"Deploy: release {failed.Id} failed ({reason}); rolling back to {lastGood}.");
            await runtime.StartAsync(lastGood, ct).ConfigureAwait(false);
            await _store.PointAsync(ReleaseLink.Current, lastGood, ct).ConfigureAwait(false);
            await Audit.RecordAsync(DeployAudit.Line(failed, AuditOutcome.RolledBack, $"{reason}; back on {lastGood}"), ct).ConfigureAwait(false);
            log.Warn($"Deploy: rolled back to {lastGood}; it passed its gates; {DataNotes.For(before, lastGood, restored: false, options.Host)}.");
        }
        catch (Exception e)
        {
            if (!await vm.IsAliveAsync().ConfigureAwait(false))
                throw; // the connection went: the deploy runs again on a new one, finds the release failed and returns then
            var what = RollbackRule.WhatFailed(e, cancelled: false);
            log.Error($"Deploy: release {failed.Id} failed ({reason}), and returning to the last good release failed too: {what}.");
            throw new RollbackFailedException($"Release {failed.Id} failed ({reason}); returning to the last good release failed too ({what}): see ./build.sh Releases --host {options.Host}.", failure ?? e);
        }
    }
}
