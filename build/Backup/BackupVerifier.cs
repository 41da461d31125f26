using System.Diagnostics;
using Mlstack.Build.Core;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Backup;

/// <summary>SmokeTest's checks against a compose project, as far as the services it runs allow; throws when one fails.</summary>
public delegate Task SmokeServices(string project, CancellationToken ct);

/// <summary>A throwaway compose project: its own name, fresh volumes, nothing published. It runs the data services,
/// and the rest of the stack (<paramref name="AppServices"/>) when the stack it stands in for runs it.</summary>
/// <param name="RemoveFiles">Deletes what was written to run it (its compose file), once it is down.</param>
public sealed record ScratchProject(string Project, ComposeCommand Compose, GateServices Gate, SmokeServices Smoke, IReadOnlyList<string> AppServices, Func<Task> RemoveFiles);

/// <summary>Proves a backup restores: the repository's check, the backup fetched and its checksums matched, a
/// scratch stack started, the backup put into it, every count of the manifest found again, the app started on it,
/// health gates and smoke checks passed; the scratch stack is torn down in every case and the backup recorded as
/// verified. The running stack is not touched.</summary>
public static class BackupVerifier
{
    public static async Task<BackupManifest> VerifyAsync(BackupHelper helper, BackupEntry backup, BackupTarget template, ScratchProject scratch, string stage, string checkSubset, BuildLog log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        BackupManifest manifest;
        try
        {
            manifest = await DataRestore.FetchAsync(helper, backup, stage, checkSubset, ct).ConfigureAwait(false);
            log.Info($"{helper.Prefix}: backup {backup.ShortId} of {manifest.Project} ({manifest.Environment}, {ShortSha(manifest.GitSha)}, {manifest.CreatedAt:u}); starting scratch project {scratch.Project}");
            await UpAsync(helper, scratch, StackBackup.DataServices, "the scratch stack", ct).ConfigureAwait(false);
            await DataRestore.RunAsync(helper, template with { Project = scratch.Project }, stage, manifest, scratch.Gate, log, ct).ConfigureAwait(false);
            if (scratch.AppServices.Count > 0)
            {
                log.Info($"{helper.Prefix}: starting the app on the restored data in {scratch.Project} ({scratch.AppServices.Count} services)");
                await UpAsync(helper, scratch, scratch.AppServices, "the app on the restored data", ct).ConfigureAwait(false);
            }

            await scratch.Smoke(scratch.Project, ct).ConfigureAwait(false);
            await helper.RunAsync(["verified", backup.Id], null, [], null, ct).ConfigureAwait(false);
        }
        finally
        {
            await scratch.Compose(["down", "--volumes", "--remove-orphans", "--timeout", "5"], CancellationToken.None).ConfigureAwait(false);
            await scratch.RemoveFiles().ConfigureAwait(false);
        }

        var proven = scratch.AppServices.Count > 0 ? "the app starts on it, passes its health gates and smoke checks" : "its services pass their health gates and smoke checks";
        log.Success($"{helper.Prefix}: backup {backup.ShortId} verified in {clock.Elapsed.TotalSeconds:0.0}s: it restores, its counts match ({DataRestore.Summary(manifest.Counts)}), {proven}; scratch project removed");
        return manifest;
    }

    private static async Task UpAsync(BackupHelper helper, ScratchProject scratch, IReadOnlyList<string> services, string what, CancellationToken ct)
    {
        var up = await scratch.Compose(["up", "-d", "--no-build", .. services], ct).ConfigureAwait(false);
        if (up.ExitCode != 0)
            throw new BackupException($"{helper.Prefix}: {what} did not start: {ComposeErrors(up.Output)}");
        await scratch.Gate(services, ct).ConfigureAwait(false);
    }

    /// <summary>What compose said went wrong: its ERROR lines (which service, why), else its last line; not only its
    /// closing "Encountered errors while bringing up the project".</summary>
    public static string ComposeErrors(IReadOnlyList<string> output)
    {
        var errors = output.Where(l => l.Contains("ERROR", StringComparison.Ordinal) && !l.Contains("Encountered errors", StringComparison.Ordinal)).Distinct().TakeLast(3).ToList();
        return errors.Count > 0 ? string.Join(" | ", errors) : output.Count > 0 ? output[^1] : "";
    }

    public static string ShortSha(string sha) => sha.Length > 12 ? sha[..12] : sha;
}
