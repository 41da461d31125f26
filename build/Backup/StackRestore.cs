using Mlstack.Build.Engine;
using Mlstack.Build.Core;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Backup;

/// <summary>How the app comes back once a restore has put the data in, when it is not the writers it stopped
/// (Rollback --restore-data: the release it returns to starts in their place, so the app starts once, not twice).</summary>
/// <param name="Release">Starts the release that is to run on the restored data, behind its gates.</param>
/// <param name="Previous">Starts the release that ran before again, on the safety backup put back after a failure.</param>
public sealed record AppStart(Func<CancellationToken, Task> Release, Func<CancellationToken, Task> Previous);

/// <summary>Restores a backup into the running stack: verify it first (a damaged backup is refused before anything is
/// touched; one VerifyBackup already proved in a scratch stack is not proved there again, only checked), take a safety
/// backup, stop the writers, put the data back, start them behind the health gate (or another release in their place:
/// <see cref="AppStart"/>), smoke the stack. When any of that fails, the safety backup is put back the same way.</summary>
public static class StackRestore
{
    /// <param name="app">Null: the writers it stopped start again, after the running release's migrate.</param>
    public static async Task RunAsync(BackupHelper helper, BackupEntry backup, BackupTarget target, ScratchProject scratch, BackupOrigin origin, GateServices gate, SmokeServices smoke, BuildLog log, CancellationToken ct, AppStart? app = null)
    {
        var stage = await helper.CreateStageAsync(target.Project, ct).ConfigureAwait(false);
        try
        {
            var manifest = backup.VerifiedAt is { } provedAt
                ? await CheckProvedAsync(helper, backup, provedAt, scratch, stage, log, ct).ConfigureAwait(false)
                : await BackupVerifier.VerifyAsync(helper, backup, target, scratch, stage, "1/1", log, ct).ConfigureAwait(false);
            log.Info($"{helper.Prefix}: safety backup of {target.Project} before anything changes");
            var safety = await StackBackup.RunAsync(helper, target, origin with { Purpose = $"safety-before-restore-of-{backup.ShortId}" }, retention: null, log, ct).ConfigureAwait(false);
            var writers = await StopWritersAsync(helper, target, log, ct).ConfigureAwait(false);
            try
            {
                await DataRestore.RunAsync(helper, target, stage, manifest, gate, log, ct).ConfigureAwait(false);
                if (app == null)
                {
                    await MigrateAsync(helper, target.Project, log, ct).ConfigureAwait(false);
                    await StartAsync(helper, writers, gate, ct).ConfigureAwait(false);
                }
                else
                {
                    // The one-shots' containers go with the rest: the release runs its own migrate on the restored data.
                    await RemoveWritersAsync(helper, target, ct).ConfigureAwait(false);
                    await app.Release(ct).ConfigureAwait(false);
                }

                await smoke(target.Project, ct).ConfigureAwait(false);
                log.Success($"{helper.Prefix}: {target.Project} holds backup {backup.ShortId} again ({DataRestore.Summary(manifest.Counts)}); safety backup {safety.ShortId} kept");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.Error($"{helper.Prefix}: restore failed ({e.Message}); putting safety backup {safety.ShortId} back");
                await PutBackAsync(helper, safety, target, writers, gate, app, log).ConfigureAwait(false);
                throw new BackupException($"{helper.Prefix}: restore of {backup.ShortId} failed: {e.Message}; the safety backup {safety.ShortId} was put back.");
            }
        }
        finally
        {
            await helper.Engine.RemoveVolumeAsync(stage).ConfigureAwait(false);
        }
    }

    /// <summary>A backup VerifyBackup proved (restored in a scratch stack, counts matched, app smoked) is not proved again:
    /// in an incident, minutes count. Its repository is still checked and its files fetched against their checksums, so
    /// damage since then is refused before anything is touched; the safety backup covers the rest.</summary>
    private static async Task<BackupManifest> CheckProvedAsync(BackupHelper helper, BackupEntry backup, DateTimeOffset provedAt, ScratchProject scratch, string stage, BuildLog log, CancellationToken ct)
    {
        await scratch.RemoveFiles().ConfigureAwait(false);
        log.Info($"{helper.Prefix}: backup {backup.ShortId} was proved in a scratch stack at {provedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC (VerifyBackup); checking the repository and its checksums, not proving it again");
        return await DataRestore.FetchAsync(helper, backup, stage, "1/1", ct).ConfigureAwait(false);
    }

    /// <summary>The stack's one-shot that brings a database to the release's schema and grants.</summary>
    public const string Migrate = "migrate";

    /// <summary>The running release's migrate once more, on the restored data, before anything else starts on it: a
    /// backup from an earlier release holds that release's schema and grants (a database role added since has none),
    /// and migrate brings both to this release's, as it does in the scratch stack after its load. A stack without a
    /// migrate (a fixture's) skips this.</summary>
    private static async Task MigrateAsync(BackupHelper helper, string project, BuildLog log, CancellationToken ct)
    {
        if (await helper.Engine.ContainerAsync(project, Migrate, ct).ConfigureAwait(false) is not { } migrate)
            return;
        var exitCode = await helper.Engine.RunToExitAsync(migrate.ID, ct).ConfigureAwait(false);
        if (exitCode != 0)
            throw new BackupException($"{helper.Prefix}: migrate exited with code {exitCode} on the restored data; its log: docker logs {migrate.Names[0].TrimStart('/')}");
        log.Info($"{helper.Prefix}: migrate ran on the restored data: this release's schema and database grants");
    }

    /// <summary>Everything running that is not a data service: the app, workers, scheduler, frontend, exporters; but
    /// not a container whose network others join (edge-net, which runs only a sleep): the edge could not start again
    /// without it.</summary>
    private static async Task<IReadOnlyList<(string Id, string Service)>> StopWritersAsync(BackupHelper helper, BackupTarget target, BuildLog log, CancellationToken ct)
    {
        var writers = await WritersAsync(helper, target, runningOnly: true, ct).ConfigureAwait(false);
        // The autoscaler first: it would start a worker tier it saw below its minimum while the others stop.
        foreach (var autoscaler in writers.Where(w => w.Service == StackUp.Autoscaler))
            await helper.Engine.StopAsync(autoscaler.Id, ct).ConfigureAwait(false);
        await Task.WhenAll(writers.Where(w => w.Service != StackUp.Autoscaler).Select(w => helper.Engine.StopAsync(w.Id, ct))).ConfigureAwait(false);
        if (writers.Count > 0)
            log.Info($"{helper.Prefix}: stopped {string.Join(", ", writers.Select(w => w.Service))}");
        return writers;
    }

    private static async Task<IReadOnlyList<(string Id, string Service)>> WritersAsync(BackupHelper helper, BackupTarget target, bool runningOnly, CancellationToken ct)
    {
        var containers = await helper.Engine.ContainersAsync(target.Project, ct).ConfigureAwait(false);
        var networkOwners = SharedNetwork.Owners(containers);
        return [.. containers
            .Where(c => !networkOwners.Contains(c.ID) && (!runningOnly || c.State == "running"))
            .Select(c => (c.ID, Service: BackupEngine.ServiceOf(c)))
            .Where(c => c.Service != null && !StackBackup.DataServices.Contains(c.Service))
            .Select(c => (c.ID, Service: c.Service!))];
    }

    /// <summary>Every writer's container (all stopped by now) removed before another release starts in their place:
    /// compose would leave a worker tier it finds stopped cleanly as it is (the autoscaler's scale to zero), and the
    /// release's gate would wait for it. The release creates its own; the named volumes stay.</summary>
    private static async Task RemoveWritersAsync(BackupHelper helper, BackupTarget target, CancellationToken ct)
    {
        foreach (var (id, _) in await WritersAsync(helper, target, runningOnly: false, ct).ConfigureAwait(false))
            await helper.Engine.RemoveAsync(id, ct).ConfigureAwait(false);
    }

    private static async Task StartAsync(BackupHelper helper, IReadOnlyList<(string Id, string Service)> writers, GateServices gate, CancellationToken ct)
    {
        foreach (var (id, _) in writers.OrderBy(w => w.Service == StackUp.Autoscaler)) // and the autoscaler last
            await helper.Engine.StartAsync(id, ct).ConfigureAwait(false);
        await gate([.. StackBackup.DataServices, .. writers.Select(w => w.Service)], ct).ConfigureAwait(false);
    }

    /// <summary>Not cancellable: a half-restored stack is worse than a late Ctrl-C. The writers a failed start left
    /// running are stopped first: PostgreSQL cannot replace a database its clients are connected to. Then the writers
    /// that were stopped start again, or, when another release was started in their place, the release before it.</summary>
    private static async Task PutBackAsync(BackupHelper helper, BackupEntry safety, BackupTarget target, IReadOnlyList<(string Id, string Service)> writers, GateServices gate, AppStart? app, BuildLog log)
    {
        await StopWritersAsync(helper, target, log, CancellationToken.None).ConfigureAwait(false);
        var stage = await helper.CreateStageAsync(target.Project, CancellationToken.None).ConfigureAwait(false);
        try
        {
            var manifest = await DataRestore.FetchAsync(helper, safety, stage, "1%", CancellationToken.None).ConfigureAwait(false);
            await DataRestore.RunAsync(helper, target, stage, manifest, gate, log, CancellationToken.None).ConfigureAwait(false);
            if (app == null)
            {
                await StartAsync(helper, writers, gate, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await RemoveWritersAsync(helper, target, CancellationToken.None).ConfigureAwait(false);
                await app.Previous(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            await helper.Engine.RemoveVolumeAsync(stage).ConfigureAwait(false);
        }
    }
}
