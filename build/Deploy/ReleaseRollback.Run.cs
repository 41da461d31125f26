namespace Mlstack.Build.Deploy;

public sealed partial class ReleaseRollback
{
    /// <summary>Starts the chosen release behind its gates, points current and last_good at it, and (when asked)
    /// puts its data back. A failure is recorded in the audit log (when the VM can still be reached) and reported.</summary>
    /// <param name="restore">Null: the data stays as it is.</param>
    public async Task RunAsync(RollbackChoice choice, DataRestore? restore, DateTimeOffset started, CancellationToken ct = default)
    {
        var (target, current, backup) = choice;
        await using var deployLock = await DeployLock.AcquireAsync(vm, options.DeployPath, new LockHolder(Environment.UserName, Environment.MachineName, target.Id, started), options.LockWait, log, ct).ConfigureAwait(false);
        await RecordingFailureAsync(() => runtime.StartAsync(target.Id, ct), target, started, e => $"rollback by hand to {target.Id} failed: {e}", AuditOutcome.Failed, ct).ConfigureAwait(false);

        await _store.PointAsync(ReleaseLink.Current, target.Id, ct).ConfigureAwait(false);
        await _store.PointAsync(ReleaseLink.LastGood, target.Id, ct).ConfigureAwait(false);
        var move = $"from {current?.Id ?? "nothing"} to {target.Id}{(runtime.LastRollouts is { } rollouts ? $" ({rollouts})" : "")}";
        if (restore != null && backup != null)
        {
            await RecordingFailureAsync(() => restore(backup, current, ct), target, started,
                e => $"{move}; restoring backup {backup.ShortId} failed, data as before: {e}", AuditOutcome.RolledBackByHand, ct).ConfigureAwait(false);
        }

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
