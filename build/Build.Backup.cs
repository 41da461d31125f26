using System.Globalization;
using Mlstack.Build.Backup;
using Mlstack.Build.Deploy;
using Mlstack.Build.Core;
using Mlstack.Build.Engine;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;
using Mlstack.Build.Site;
using Mlstack.Build.Stack;
using Mlstack.Build.Tooling;

namespace Mlstack.Build;

internal sealed partial class Build
{
    [Parameter("Password of the backup repository (restic encrypts with it); required by Backup, Backups, VerifyBackup, Restore"), Secret]
    private readonly string? BackupPassword;

    [Parameter("The backup repository: a folder on the machine that runs the stack (default ~/.local/share/mlstack/backups/<project>), or sftp:[user@]host:/path for an off-site one")]
    private readonly string? BackupRepository;

    [Parameter("VerifyBackup, Restore: the backup's id or a prefix of it (default: the newest; for Restore the newest verified)", Name = "Backup")]
    private readonly string? BackupId;

    [Parameter("Retention after each backup: the newest N backups are kept whatever their age")]
    private readonly int KeepLast = 3;

    [Parameter("Retention: the newest backup of each of the last N days")]
    private readonly int KeepDaily = 7;

    [Parameter("Retention: the newest backup of each of the last N weeks")]
    private readonly int KeepWeekly = 4;

    [Parameter("Retention: the newest backup of each of the last N months")]
    private readonly int KeepMonthly = 6;

    [Parameter("VerifyBackup: how much of the repository's data restic check reads (1/1 all, 10%, 1/5; the backup's own data is read in full by its restore)")]
    private readonly string CheckSubset = "1/1";

    Target Backup => _ => _
        .Description("Backs up the stack's data (PostgreSQL dumps, Redis RDB, objects, a manifest) into an encrypted restic repository; applies retention; with --host, the stack deployed there; with --cluster, on the swarm's data node")
        .DependsOn(Images)
        .Requires(() => BackupPassword)
        .Executes(async ct =>
        {
            await using var site = await BackupSiteAsync("Backup", ct);
            await StackBackup.RunAsync(site.Helper, await BackupTargetAsync(ct), await site.OriginAsync(ct), Retention, Log, ct);
        });

    Target Backups => _ => _
        .Description("Lists the backups: id, time, git sha, environment, size, added bytes, when verified")
        .DependsOn(Images)
        .Requires(() => BackupPassword)
        .Executes(async ct =>
        {
            await using var site = await BackupSiteAsync("Backups", ct);
            var backups = await site.Helper.ListAsync(ct);
            if (backups.Count == 0)
            {
                Log.Report($"No backups in {site.Where}: take one with ./build.sh Backup.");
                return;
            }

            Log.Report($"{"id",-10}{"time (UTC)",-21}{"release / git sha",-26}{"env",-6}{"size",12}{"added",12}  {"verified (UTC)",-21}why");
            foreach (var b in backups)
                Log.Report($"{b.ShortId,-10}{Utc(b.Time),-21}{b.Tag("release") ?? BackupVerifier.ShortSha(b.Tag("sha") ?? "?"),-26}{b.Tag("environment") ?? "?",-6}{Size(b.Size),12}{Size(b.Added),12}  {(b.VerifiedAt is { } at ? Utc(at) : "never"),-21}{b.Tag("purpose") ?? "-"}");
        });

    Target VerifyBackup => _ => _
        .Description("Restores a backup (--backup ID, default the newest) into a throwaway stack and proves it: checksums, counts, the app started on it, health gates, smoke checks; the running stack is untouched")
        .DependsOn(Images)
        .After(Backup)
        .Requires(() => BackupPassword)
        .Executes(async ct =>
        {
            RefuseOnCluster("VerifyBackup");
            await using var site = await BackupSiteAsync("VerifyBackup", ct);
            var backup = Choose(site, await site.Helper.ListAsync(ct), verifiedOnly: false);
            var stage = await site.Helper.CreateStageAsync(ProjectName, ct);
            try
            {
                await BackupVerifier.VerifyAsync(site.Helper, backup, await BackupTargetAsync(ct), await site.ScratchStackAsync(backup, ct), stage, CheckSubset, Log, ct);
            }
            finally
            {
                await site.Helper.Engine.RemoveVolumeAsync(stage);
            }
        });

    Target Restore => _ => _
        .Description("Puts the stack's data back from a backup (--backup ID, default the newest verified): verifies it (only checks it when VerifyBackup proved it already), takes a safety backup, restores, gates and smokes; needs --yes")
        .DependsOn(Images)
        .Requires(() => BackupPassword)
        .Executes(async ct =>
        {
            RefuseOnCluster("Restore");
            if (!Yes)
                throw new BuildInputException($"Restore replaces the data of project {ProjectName} (databases, Redis, objects) with a backup; add --yes to confirm.");
            await using var site = await BackupSiteAsync("Restore", ct);
            var backup = Choose(site, await site.Helper.ListAsync(ct), verifiedOnly: BackupId == null);
            await StackRestore.RunAsync(site.Helper, backup, await BackupTargetAsync(ct), await site.ScratchStackAsync(backup, ct), await site.OriginAsync(ct), site.Gate(ProjectName), site.Smoke(), Log, ct);
        });

    private RetentionPolicy Retention => new(KeepDaily, KeepWeekly, KeepMonthly, KeepLast);

    private BackupEntry Choose(BackupSite site, IReadOnlyList<BackupEntry> backups, bool verifiedOnly)
    {
        if (BackupId != null)
            return BackupEntry.Find(backups, BackupId);
        var candidates = verifiedOnly ? backups.Where(b => b.VerifiedAt != null).ToList() : backups;
        return (candidates.Count > 0 ? candidates[^1] : null) ?? throw new BuildInputException(verifiedOnly
            ? $"No verified backup in {site.Where}: run ./build.sh VerifyBackup, or name one with --backup ID."
            : $"No backup in {site.Where}: take one with ./build.sh Backup.");
    }

    /// <summary>The helper against the site's engine and a repository folder there (created owner-only), the helper
    /// image shipped to the site when it lacks it, as Deploy ships images. An sftp: or s3: repository is reached from
    /// the helper, wherever it runs; its records stay in a folder beside it.</summary>
    /// <param name="naming">How the site's engine names the stack: compose's labels, or a swarm stack's names.</param>
    private async Task<BackupSite> BackupSiteOnAsync(IStackSite site, BackupSitePlan plan, BackupHome home, string prefix, CancellationToken ct, StackNaming? naming = null)
    {
        try
        {
            var (image, secrets) = await BackupHelperSetupAsync(ct);
            var repository = IsOffsite
                ? new ResticRepository(BackupRepository!, $"{home.Folder}/{ProjectName}.records")
                : new ResticRepository(home.Resolve(BackupRepository ?? $"{home.Folder}/{ProjectName}"));
            await site.CreatePrivateFolderAsync(repository.RecordsFolder ?? repository.Location, ct);
            await site.ProvideImagesAsync([image], ct);
            var where = repository.IsOffsite ? site.ReachedFrom(repository.Location) : site.Locate(repository.Location);
            return new BackupSite(site, new BackupHelper(new BackupEngine(site.OpenEngine(), naming), image, repository, secrets, Log, prefix), where, plan, Log);
        }
        catch
        {
            await site.DisposeAsync();
            throw;
        }
    }

    /// <summary>The helper image and the passwords it is handed; refuses a well-known repository password in prod.</summary>
    private async Task<(string Image, BackupSecrets Secrets)> BackupHelperSetupAsync(CancellationToken ct)
    {
        if (StackEnvironmentName == StackEnvironment.Prod && ProductionSecrets.IsWellKnown(BackupPassword!, EnvFile.Read(Path.Combine(RootDirectory, "stack", ".env.example"))))
            throw new BuildInputException("--backup-password is a well-known value; prod backups need a real secret (BACKUP_PASSWORD).");
        var settings = ProductionSecrets.Effective((await StackProjectAsync(ct)).EnvFile);
        var image = await BackupImageAsync(ct);
        var secrets = new BackupSecrets(BackupPassword!, settings.GetValueOrDefault("POSTGRES_PASSWORD") ?? string.Empty, settings.GetValueOrDefault("REDIS_PASSWORD") ?? string.Empty);
        if (!IsOffsite)
            return (image, secrets);
        return (image, new ResticRepository(BackupRepository!).IsS3
            ? secrets with { S3 = OffsiteS3() }
            : secrets with { SshKey = OffsiteKey(), KnownHosts = OffsiteKnownHosts() });
    }

    /// <summary>Outside the checkout, so a clean checkout or git clean never takes the backups with it.</summary>
    private static string DefaultBackupsFolder =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "mlstack", "backups");

    private async Task<BackupTarget> BackupTargetAsync(CancellationToken ct)
    {
        var settings = ProductionSecrets.Effective((await StackProjectAsync(ct)).EnvFile);
        return new BackupTarget(ProjectName, settings.GetValueOrDefault("POSTGRES_USER") ?? "postgres",
            [settings.GetValueOrDefault("APP_DB_NAME") ?? "mlstack", settings.GetValueOrDefault("OPTUNA_DB_NAME") ?? "optuna"]);
    }

    private async Task<ReleaseInfo> CurrentReleaseAsync(SshSession vm, CancellationToken ct) =>
        CurrentRelease(vm, await new ReleaseStore(vm, DeployPath).ListAsync(ct));

    private ReleaseInfo CurrentRelease(SshSession vm, IReadOnlyList<ReleaseListing> releases) =>
        releases.FirstOrDefault(r => r.IsCurrent)?.Release
            ?? throw new BuildInputException($"{vm.Target.Host} runs no release under {DeployPath}: deploy one first (./build.sh Deploy --host {DeployHost}).");

    private static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Size(long? bytes) => bytes is { } b ? Bytes.Format(b) : "?";
}
