using Mlstack.Build.Core;

namespace Mlstack.Build.Backup;

/// <summary>Passwords the helper needs, handed over as files (see <see cref="HelperRun.Secrets"/>); for an sftp:
/// repository also the SSH key and the known host keys its ssh may trust; for an s3: one its keys and, for a private
/// CA, the certificate to trust.</summary>
/// <param name="RedisPassword">Redis's password as the env file sets it: the helper gets the backup user's password
/// derived from it (<see cref="Stack.RedisUsers"/>), and this one for a Redis from before per-client users.</param>
public sealed record BackupSecrets(string RepositoryPassword, string PostgresPassword, string RedisPassword, string? SshKey = null, string? KnownHosts = null)
{
    public S3Credentials? S3 { get; init; }

    public IReadOnlyDictionary<string, string> Files
    {
        get
        {
            var files = new Dictionary<string, string>
            {
                ["restic"] = RepositoryPassword,
                ["pgpass"] = $"*:*:*:*:{PostgresPassword.Replace(@"\", @"\\", StringComparison.Ordinal).Replace(":", @"\:", StringComparison.Ordinal)}\n",
                ["redis"] = Stack.RedisUsers.Password(RedisPassword, Stack.RedisUsers.Backup),
                ["redis-default"] = RedisPassword,
            };
            if (SshKey != null)
                files["ssh-key"] = SshKey.ReplaceLineEndings("\n").TrimEnd('\n') + "\n"; // ssh refuses a key without its final newline
            if (KnownHosts != null)
                files["known_hosts"] = KnownHosts;
            if (S3 != null)
            {
                files["s3-key-id"] = S3.AccessKeyId;
                files["s3-secret"] = S3.SecretAccessKey;
                if (S3.CaCertificate != null)
                    files["cacert"] = S3.CaCertificate;
            }

            return files;
        }
    }
}

/// <param name="CaCertificate">PEM of the CA that signed the server's certificate, when not a public one.</param>
public sealed record S3Credentials(string AccessKeyId, string SecretAccessKey, string? CaCertificate);

/// <summary>A compose project whose data the helper reads or writes: its services are reached by their compose
/// names (postgres, redis) on its backend network.</summary>
public sealed record BackupTarget(string Project, string PostgresUser, IReadOnlyList<string> Databases)
{
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["PGHOST"] = "postgres",
        ["PGUSER"] = PostgresUser,
        ["DATABASES"] = string.Join(' ', Databases),
        ["REDIS_HOST"] = "redis",
        ["REDIS_USER"] = Stack.RedisUsers.Backup.Name,
    };
}

/// <summary>Runs the helper image's steps (docker/backup/mlstack-backup.sh) against one repository, printing their
/// progress under the target's name and failing with the step's own error line.</summary>
public sealed class BackupHelper(BackupEngine engine, string image, ResticRepository repository, BackupSecrets secrets, BuildLog log, string prefix)
{
    private static readonly string[] Markers = ["RESULT ", "MANIFEST ", "COUNTS ", "LIST "];

    public BackupEngine Engine { get; } = engine;

    /// <summary>The helper's image: every engine that backs up has it.</summary>
    public string Image => image;

    public string Prefix { get; } = prefix;

    /// <returns>The step's marker lines (RESULT, MANIFEST, COUNTS, LIST) by marker.</returns>
    public async Task<IReadOnlyDictionary<string, string>> RunAsync(IReadOnlyList<string> command, string? network, IEnumerable<string> binds, IReadOnlyDictionary<string, string>? environment, CancellationToken ct)
    {
        var run = new HelperRun(image, command, WithRepository(environment), [.. repository.Binds, .. binds], network, secrets.Files);
        var result = await Engine.RunHelperAsync(run, line =>
        {
            if (!Markers.Any(m => line.StartsWith(m, StringComparison.Ordinal)))
                log.Info($"{Prefix}: {line}");
        }, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
            throw new BackupException($"{Prefix}: {command[0]} failed: {ErrorLine(result)}");

        return Markers.Select(m => (Marker: m.Trim(), Line: result.Stdout.LastOrDefault(l => l.StartsWith(m, StringComparison.Ordinal))))
            .Where(p => p.Line != null)
            .ToDictionary(p => p.Marker, p => p.Line![(p.Marker.Length + 1)..]);
    }

    public async Task<IReadOnlyList<BackupEntry>> ListAsync(CancellationToken ct)
    {
        var result = await Engine.RunHelperAsync(new HelperRun(image, ["list"], WithRepository(null), repository.Binds, null, secrets.Files), _ => { }, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
            throw new BackupException($"{Prefix}: cannot read the repository {repository.Location}: {ErrorLine(result)}");
        return BackupEntry.ParseList(string.Join('\n', result.Stdout));
    }

    private Dictionary<string, string> WithRepository(IReadOnlyDictionary<string, string>? environment) =>
        new((environment ?? new Dictionary<string, string>()).Concat(repository.Environment));

    /// <summary>The step's own "error:" line, else its last line of stderr; for a certificate Go would not trust,
    /// what to do about it.</summary>
    private static string ErrorLine(HelperResult result) => WithTlsHint(
        result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal))?["error:".Length..].Trim()
        ?? result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? $"exit code {result.ExitCode}");

    private static string WithTlsHint(string error) => error.Contains("x509: certificate signed by unknown authority", StringComparison.Ordinal)
        ? $"{error} (a private CA signed the server's certificate: name its PEM file with --backup-ca-certificate)"
        : error;

    /// <summary>A volume for one operation's files (dumps, restored data); removed by the caller's finally.</summary>
    public Task<string> CreateStageAsync(string project, CancellationToken ct) =>
        Engine.CreateVolumeAsync($"{project}_backupstage_{Guid.NewGuid().ToString("N")[..8]}", ct);
}
