using Mlstack.Build.Backup;

namespace Mlstack.Build.Deploy;

public sealed partial class ReleaseRollback
{
    /// <summary>Starts the chosen release behind its gates and points current and last_good at it. With its data
    /// (<paramref name="restore"/>), the release starts once, on the restored data, inside the restore: the backup is
    /// proved, the current data backed up, the app stopped and the data put back before it starts, so a backup that
    /// cannot be restored switches nothing (the release before runs again on its own data). A failure is recorded in
    /// the audit log (when the VM can still be reached) and reported.</summary>
    /// <param name="restore">Null: the data stays as it is.</param>
    public async Task RunAsync(RollbackChoice choice, ReleaseDataRestore? restore, DateTimeOffset started, CancellationToken ct = default)
    {
        var (target, current, backup) = choice;
        await using var deployLock = await DeployLock.AcquireAsync(vm, options.DeployPath, new LockHolder(Environment.UserName, Environment.MachineName, target.Id, started), options.LockWait, log, ct).ConfigureAwait(false);
        if (restore != null && backup != null)
        {
            var app = new AppStart(token => runtime.StartAsync(target.Id, token), token => current != null ? runtime.StartAsync(current.Id, token) : Task.CompletedTask);
            await RecordingFailureAsync(() => restore(backup, current, app, ct), target, started,
                e => $"rollback by hand to {target.Id} with backup {backup.ShortId}'s data failed, {current?.Id ?? "nothing"} runs again on its data: {e}", AuditOutcome.Failed, ct).ConfigureAwait(false);
        }
        else
        {
            await RecordingFailureAsync(() => runtime.StartAsync(target.Id, ct), target, started, e => $"rollback by hand to {target.Id} failed: {e}", AuditOutcome.Failed, ct).ConfigureAwait(false);
        }

        await _store.PointAsync(ReleaseLink.Current, target.Id, ct).ConfigureAwait(false);
        await _store.PointAsync(ReleaseLink.LastGood, target.Id, ct).ConfigureAwait(false);
        var move = $"from {current?.Id ?? "nothing"} to {target.Id}{(runtime.LastRollouts is { } rollouts ? $" ({rollouts})" : "")}";

        var data = DataNotes.For(backup, target.Id, restored: restore != null, options.Host);
        await Audit.RecordAsync(DeployAudit.Line(target, AuditOutcome.RolledBackByHand, $"{move}; {data}") with { Start = started }, ct).ConfigureAwait(false);
        log.Success($"Rollback: {vm.Target.Host} runs release {target.Id} (was {current?.Id ?? "nothing"}); {data}.");
    }

    private async Task RecordingFailureAsync(Func<Task> step, ReleaseInfo target, DateTimeOffset started, Func<string, string> reason, AuditOutcome outcome, CancellationToken ct)
    {
        try
        {
            await step().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (await vm.IsAliveAsync().ConfigureAwait(false))
            {
                using var limit = new CancellationTokenSource(options.RollbackTimeLimit);
                var line = DeployAudit.Line(target, outcome, reason(RollbackRule.WhatFailed(e, ct.IsCancellationRequested))) with { Start = started };
                await Audit.RecordAsync(line, limit.Token).ConfigureAwait(false);
            }

            throw;
        }
    }
}
