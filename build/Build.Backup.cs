using System.Globalization;
using Mlstack.Build.Backup;
using Mlstack.Build.Doctor;
using Mlstack.Build.Gates;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;
using Mlstack.Build.Tooling;

namespace Mlstack.Build;

internal sealed partial class Build
{
    [Parameter("Password of the backup repository (restic encrypts with it); required by Backup, Backups, VerifyBackup, Restore"), Secret]
    private readonly string? BackupPassword;

    [Parameter("The backup repository: a folder on the machine that runs the stack (default ~/.local/share/mlstack/backups/<project>)")]
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
        .Description("Backs up the stack's data (PostgreSQL dumps, Redis RDB, objects, a manifest) into an encrypted restic repository; applies retention")
        .DependsOn(Images)
        .Requires(() => BackupPassword)
        .Executes(async ct =>
        {
            var (helper, target) = (await BackupHelperAsync("Backup", ct), await BackupTargetAsync(ct));
            await StackBackup.RunAsync(helper, target, await BackupOriginAsync(ct), new RetentionPolicy(KeepDaily, KeepWeekly, KeepMonthly, KeepLast), Log, ct);
        });

    Target Backups => _ => _
        .Description("Lists the backups: id, time, git sha, environment, size, added bytes, when verified")
        .DependsOn(Images)
        .Requires(() => BackupPassword)
        .Executes(async ct =>
        {
            var helper = await BackupHelperAsync("Backups", ct);
            var backups = await helper.ListAsync(ct);
            if (backups.Count == 0)
            {
                Log.Report($"No backups in {BackupRepositoryPath()}: take one with ./build.sh Backup.");
                return;
            }

            Log.Report($"{"id",-10}{"time (UTC)",-21}{"git sha",-14}{"env",-6}{"size",12}{"added",12}  verified (UTC)");
            foreach (var b in backups)
                Log.Report($"{b.ShortId,-10}{Utc(b.Time),-21}{BackupVerifier.ShortSha(b.Tag("sha") ?? "?"),-14}{b.Tag("environment") ?? "?",-6}{Size(b.Size),12}{Size(b.Added),12}  {(b.VerifiedAt is { } at ? Utc(at) : "never")}");
        });

    Target VerifyBackup => _ => _
        .Description("Restores a backup (--backup ID, default the newest) into a throwaway stack and proves it: checksums, counts, health gates; the running stack is untouched")
        .DependsOn(Images)
        .Requires(() => BackupPassword)
        .Executes(async ct =>
        {
            var helper = await BackupHelperAsync("VerifyBackup", ct);
            var backup = Choose(await helper.ListAsync(ct), verifiedOnly: false);
            var stage = await helper.CreateStageAsync(ProjectName, ct);
            try
            {
                await BackupVerifier.VerifyAsync(helper, backup, await BackupTargetAsync(ct), await ScratchStackAsync(ct), stage, CheckSubset, Log, ct);
            }
            finally
            {
                await helper.Engine.RemoveVolumeAsync(stage);
            }
        });

    Target Restore => _ => _
        .Description("Puts the stack's data back from a backup (--backup ID, default the newest verified): verifies it, takes a safety backup, restores, gates; needs --yes")
        .DependsOn(Images)
        .Requires(() => BackupPassword)
        .Executes(async ct =>
        {
            if (!Yes)
                throw new BuildInputException($"Restore replaces the data of project {ProjectName} (databases, Redis, objects) with a backup; add --yes to confirm.");
            var helper = await BackupHelperAsync("Restore", ct);
            var backup = Choose(await helper.ListAsync(ct), verifiedOnly: BackupId == null);
            await StackRestore.RunAsync(helper, backup, await BackupTargetAsync(ct), await ScratchStackAsync(ct), await BackupOriginAsync(ct), Gate(ProjectName), Log, ct);
        });

    private BackupEntry Choose(IReadOnlyList<BackupEntry> backups, bool verifiedOnly)
    {
        if (BackupId != null)
            return BackupEntry.Find(backups, BackupId);
        var candidates = verifiedOnly ? backups.Where(b => b.VerifiedAt != null).ToList() : backups;
        return (candidates.Count > 0 ? candidates[^1] : null) ?? throw new BuildInputException(verifiedOnly
            ? $"No verified backup in {BackupRepositoryPath()}: run ./build.sh VerifyBackup, or name one with --backup ID."
            : $"No backup in {BackupRepositoryPath()}: take one with ./build.sh Backup.");
    }

    private async Task<BackupHelper> BackupHelperAsync(string prefix, CancellationToken ct)
    {
        if (StackEnvironmentName == StackEnvironment.Prod && ProductionSecrets.IsWellKnown(BackupPassword!, EnvFile.Read(Path.Combine(RootDirectory, "stack", ".env.example"))))
            throw new BuildInputException("--backup-password is a well-known value; prod backups need a real secret (BACKUP_PASSWORD).");
        var settings = ProductionSecrets.Effective((await StackProjectAsync(ct)).EnvFile);
        var image = (await StackImagesAsync(ct)).Single(i => i.Spec.Repository == BackupImageSpec.Repository).Reference;
        var secrets = new BackupSecrets(BackupPassword!, settings.GetValueOrDefault("POSTGRES_PASSWORD") ?? string.Empty, settings.GetValueOrDefault("REDIS_PASSWORD") ?? string.Empty);
        var engine = new BackupEngine(EngineProbe.Client((await DockerAsync(ct)).Engine));
        return new BackupHelper(engine, image, BackupRepositoryPath(), secrets, Log, prefix);
    }

    /// <summary>Outside the checkout, so a clean checkout or git clean never takes the backups with it. Only the
    /// owner may read it (the helper keeps it 0700 too).</summary>
    private string BackupRepositoryPath()
    {
        var path = BackupRepository != null
            ? Path.GetFullPath(BackupRepository, RootDirectory)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "mlstack", "backups", ProjectName);
        if (!Directory.Exists(path) && !OperatingSystem.IsWindows())
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        else
            Directory.CreateDirectory(path);
        return path;
    }

    private async Task<BackupTarget> BackupTargetAsync(CancellationToken ct)
    {
        var settings = ProductionSecrets.Effective((await StackProjectAsync(ct)).EnvFile);
        return new BackupTarget(ProjectName, settings.GetValueOrDefault("POSTGRES_USER") ?? "postgres",
            [settings.GetValueOrDefault("APP_DB_NAME") ?? "mlstack", settings.GetValueOrDefault("OPTUNA_DB_NAME") ?? "optuna"]);
    }

    private async Task<BackupOrigin> BackupOriginAsync(CancellationToken ct)
    {
        var revision = await RevisionAsync(ct);
        return new BackupOrigin(StackEnvironmentName.ToString().ToLowerInvariant(), revision.Sha, revision.Tag);
    }

    /// <summary>The stack's data services as their own project, from compose.yaml alone (no published ports), with
    /// this checkout's images.</summary>
    private async Task<ScratchProject> ScratchStackAsync(CancellationToken ct)
    {
        var project = await StackProjectAsync(ct);
        var name = $"{ProjectName}verify{Guid.NewGuid().ToString("N")[..6]}";
        var scratch = project with { Name = name, Files = [project.Files[0]] };
        return new ScratchProject(name, LocalCompose.For(scratch, Log, await UpEnvironmentAsync(ct)), Gate(name));
    }

    /// <summary>The Up gate over some of a project's services, after the restore (re)started them.</summary>
    private GateServices Gate(string project) => async (services, ct) =>
    {
        var model = await StackModelAsync(ct);
        var goals = model.Services.Where(s => services.Contains(s.Name)).Select(s => ServiceGoal.For(s, ServiceTimeout)).ToList();
        using var engine = await StackEngineAsync(ct, project);
        using var gate = new HealthGate(engine, goals, Log, live: false);
        await gate.WaitAsync(DateTimeOffset.UtcNow, Task.FromResult(new ToolResult(0, [])), ct);
    };

    private static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Size(long? bytes) => bytes is { } b ? Bytes.Format(b) : "?";
}
