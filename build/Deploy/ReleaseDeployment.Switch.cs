using Mlstack.Build.Backup;

namespace Mlstack.Build.Deploy;

public sealed partial class ReleaseDeployment
{
    /// <summary>Starts the uploaded release, gates and smokes it, and makes it current and last good; by
    /// <see cref="RollbackRule"/>, any failure on the way returns to the last good release.</summary>
    /// <param name="before">The backup of the outgoing release's data, when one was taken: named if it rolls back.</param>
    private async Task SwitchAsync(ReleaseInfo release, BackupEntry? before, CancellationToken ct)
    {
        var phase = SwitchPhase.Switching;
        try
        {
            await runtime.StartAsync(release.Id, ct).ConfigureAwait(false);
            await runtime.SmokeAsync(release.Id, ct).ConfigureAwait(false);
            await _store.SetStatusAsync(release.Id, ReleaseStatus.Healthy, ct).ConfigureAwait(false);
            await _store.PointAsync(ReleaseLink.Current, release.Id, ct).ConfigureAwait(false);
            await _store.PointAsync(ReleaseLink.LastGood, release.Id, ct).ConfigureAwait(false);
            phase = SwitchPhase.Live;
            await PruneAsync(ct).ConfigureAwait(false);
            await Audit.RecordAsync(DeployAudit.Line(release, AuditOutcome.Deployed, runtime.LastRollouts is { } rollouts ? $"gates and smoke passed; {rollouts}" : "gates and smoke passed"), ct).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var cancelled = ct.IsCancellationRequested;
            if (RollbackRule.Decide(phase, await vm.IsAliveAsync().ConfigureAwait(false), cancelled) == FailureResponse.ReturnToLastGood)
                await ReturnToLastGoodAsync(release, RollbackRule.WhatFailed(e, cancelled), before, e).ConfigureAwait(false);
            throw;
        }

        log.Success($"Deploy: release {release.Id} is live on {vm.Target.Host}");
    }

    /// <summary>Old releases go, and images no kept release uses; current and last good always stay.</summary>
    private async Task PruneAsync(CancellationToken ct)
    {
        var removed = await _store.PruneAsync(options.KeepReleases, ct).ConfigureAwait(false);
        if (removed.Count == 0)
            return;
        var kept = (await _store.ListAsync(ct).ConfigureAwait(false)).Select(l => l.Release);
        await runtime.RemoveImagesAsync(ReleasePruning.ImagesOnlyIn(removed, kept), ct).ConfigureAwait(false);
        log.Info($"Deploy: pruned {removed.Count} old release(s): {string.Join(", ", removed.Select(r => r.Id))}");
    }
}
