namespace Mlstack.Build.Deploy;

public sealed partial class ReleaseDeployment
{
    /// <summary>The same images, compose files, config and settings as the healthy current release: no new release.
    /// Its gates run again (bringing back anything stopped since), and its smoke test when they had to touch a
    /// container; as Up does with a stack that did not change. Nothing switches, so a failure has nothing to return
    /// to: it is recorded and reported.</summary>
    private async Task KeepUnchangedAsync(ReleaseInfo current, ReleaseInfo ours, CancellationToken ct)
    {
        var audit = ours with { Id = current.Id, Images = current.Images };
        log.Info($"Deploy: nothing changed since release {current.Id} (same images, compose files, config and settings): no new release; gating it again.");
        try
        {
            if (!await runtime.StartAsync(current.Id, ct).ConfigureAwait(false))
                log.Info($"Deploy: no container was touched, so no smoke test: {current.Id} passed its own when it went live.");
            else
                await runtime.SmokeAsync(current.Id, ct).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (await vm.IsAliveAsync().ConfigureAwait(false))
            {
                using var limit = new CancellationTokenSource(options.RollbackTimeLimit);
                var what = RollbackRule.WhatFailed(e, ct.IsCancellationRequested);
                await Audit.RecordAsync(DeployAudit.Line(audit, AuditOutcome.Failed, $"unchanged release {current.Id} failed its gates or smoke test: {what}"), limit.Token).ConfigureAwait(false);
            }

            throw;
        }

        await Audit.RecordAsync(DeployAudit.Line(audit, AuditOutcome.Unchanged, "same images, files and settings; gates passed"), ct).ConfigureAwait(false);
        log.Success($"Deploy: release {current.Id} is live on {vm.Target.Host}; nothing changed");
    }
}
