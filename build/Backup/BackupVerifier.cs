using System.Diagnostics;
using Mlstack.Build.Host;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Backup;

/// <summary>A throwaway compose project of the stack's data services: its own name, fresh volumes, no published
/// ports (compose.yaml alone: only the dev override publishes them).</summary>
public sealed record ScratchProject(string Project, ComposeCommand Compose, GateServices Gate);

/// <summary>Proves a backup restores: the repository's check, the backup fetched and its checksums matched, a
/// scratch stack started, the backup put into it, every count of the manifest found again, health gates passed;
/// the scratch stack is torn down in every case and the backup recorded as verified. The running stack is not touched.</summary>
public static class BackupVerifier
{
    public static async Task<BackupManifest> VerifyAsync(BackupHelper helper, BackupEntry backup, BackupTarget template, ScratchProject scratch, string stage, string checkSubset, BuildLog log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var manifest = await DataRestore.FetchAsync(helper, backup, stage, checkSubset, ct).ConfigureAwait(false);
        log.Info($"{helper.Prefix}: backup {backup.ShortId} of {manifest.Project} ({manifest.Environment}, {ShortSha(manifest.GitSha)}, {manifest.CreatedAt:u}); starting scratch project {scratch.Project}");
        try
        {
            var up = await scratch.Compose(["up", "-d", "--no-build", .. StackBackup.DataServices], ct).ConfigureAwait(false);
            if (up.ExitCode != 0)
                throw new BackupException($"{helper.Prefix}: the scratch stack did not start: {(up.Output.Count > 0 ? up.Output[^1] : "")}");
            await scratch.Gate(StackBackup.DataServices, ct).ConfigureAwait(false);
            await DataRestore.RunAsync(helper, template with { Project = scratch.Project }, stage, manifest, scratch.Gate, log, ct).ConfigureAwait(false);
            await helper.RunAsync(["verified", backup.Id], null, [], null, ct).ConfigureAwait(false);
        }
        finally
        {
            await scratch.Compose(["down", "--volumes", "--remove-orphans", "--timeout", "5"], CancellationToken.None).ConfigureAwait(false);
        }

        log.Success($"{helper.Prefix}: backup {backup.ShortId} verified in {clock.Elapsed.TotalSeconds:0.0}s: it restores, its counts match ({DataRestore.Summary(manifest.Counts)}), its services pass their health gates; scratch project removed");
        return manifest;
    }

    public static string ShortSha(string sha) => sha.Length > 12 ? sha[..12] : sha;
}
