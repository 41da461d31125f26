using Mlstack.Build.Deploy.Commands;
using Mlstack.Build.Stack;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Stack;

/// <summary>The stack's secrets as files (docs/production.md#secrets-as-files): what each holds, how its path follows
/// its content without telling it, how they are written here and pruned on a VM.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StackSecretsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlstack-secrets-").FullName;

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["POSTGRES_PASSWORD"] = "pg-Qx7", ["APP_DB_PASSWORD"] = "app-Lk2", ["REDIS_PASSWORD"] = "redis-Mn4", ["S3_SECRET_ACCESS_KEY"] = "s3-Pz9",
    };

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Each_secret_is_a_file_and_a_client_that_needs_less_gets_a_password_of_its_own()
    {
        var secrets = StackSecrets.From(Settings).ToDictionary(s => s.Name, s => s.Content);
        Assert.Equal(["postgres_password", "app_db_password", "exporter_db_password", "api_db_password", "worker_light_db_password", "worker_medium_db_password",
            "worker_heavy_db_password", "redis_users", "redis_app_password", "redis_autoscaler_password",
            "redis_health_password", "redis_exporter_auth", "s3_secret_access_key", "api_token", "alert_webhook_url"], secrets.Keys);
        Assert.Equal("pg-Qx7", secrets["postgres_password"]);
        Assert.Equal($"{{\"redis://redis:6379\":\"{RedisUsers.Password("redis-Mn4", RedisUsers.Exporter)}\"}}", secrets["redis_exporter_auth"]);
        Assert.DoesNotContain(secrets.Values, v => v.Contains("redis-Mn4", StringComparison.Ordinal)); // Redis's own password reaches no container
        var exporter = secrets["exporter_db_password"];
        Assert.Matches("^[A-Za-z0-9_-]{32}$", exporter);
        Assert.Equal(exporter, StackSecrets.Derive("pg-Qx7", "postgres-exporter"));
        Assert.NotEqual(exporter, StackSecrets.Derive("pg-Qx8", "postgres-exporter"));
        Assert.NotEqual(exporter, StackSecrets.Derive("pg-Qx7", "redis-exporter"));
        Assert.Equal("exporter_db_password", StackSecrets.From(Settings)[2].ToString()); // never the value
    }

    [Fact]
    public void Each_service_s_database_role_has_a_password_of_its_own_derived_from_the_application_role_s()
    {
        var secrets = StackSecrets.From(Settings).ToDictionary(s => s.Name, s => s.Content);
        var passwords = StackSecrets.ServiceDbRoles.Select(r => secrets[r.Secret]).ToList();
        Assert.Equal(["mlstack_api", "mlstack_worker_light", "mlstack_worker_medium", "mlstack_worker_heavy"], StackSecrets.ServiceDbRoles.Select(r => r.Role));
        Assert.All(passwords, p => Assert.Matches("^[A-Za-z0-9_-]{32}$", p));
        Assert.Equal(passwords.Count, passwords.Distinct().Count());
        Assert.DoesNotContain(secrets["exporter_db_password"], passwords);
        Assert.Equal(StackSecrets.Derive("app-Lk2", "postgres-mlstack_worker_heavy"), secrets["worker_heavy_db_password"]);
        // The application role's password rotates them all; the superuser's touches none.
        var rotated = StackSecrets.From(new Dictionary<string, string>(Settings) { ["APP_DB_PASSWORD"] = "app-Lk3" }).ToDictionary(s => s.Name, s => s.Content);
        Assert.All(StackSecrets.ServiceDbRoles, r => Assert.NotEqual(secrets[r.Secret], rotated[r.Secret]));
        var otherSuperuser = StackSecrets.From(new Dictionary<string, string>(Settings) { ["POSTGRES_PASSWORD"] = "pg-Qx8" }).ToDictionary(s => s.Name, s => s.Content);
        Assert.All(StackSecrets.ServiceDbRoles, r => Assert.Equal(secrets[r.Secret], otherSuperuser[r.Secret]));
        // postgres makes each role with its secret's password; compose knows where the file is.
        var compose = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "stack", "compose.yaml"));
        foreach (var (role, secret) in StackSecrets.ServiceDbRoles)
        {
            Assert.Contains($"{role}:/run/secrets/{secret}", compose);
            Assert.Contains($"{secret}: {{file: \"${{MLSTACK_SECRET_{secret.ToUpperInvariant()}:-/dev/null}}\"}}", compose);
        }
    }

    [Fact]
    public void Redis_has_a_user_per_kind_of_client_each_with_a_password_of_its_own_stored_as_a_hash_and_the_default_user_off()
    {
        var acl = RedisUsers.Acl("redis-Mn4").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("user default off", acl[0]);
        Assert.Equal(["app", "autoscaler", "exporter", "backup", "health"], acl.Skip(1).Select(l => l.Split(' ')[1]));
        var passwords = RedisUsers.All.Select(u => RedisUsers.Password("redis-Mn4", u)).ToList();
        Assert.Equal(passwords.Count, passwords.Distinct().Count());
        foreach (var (user, line) in RedisUsers.All.Zip(acl.Skip(1)))
        {
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(RedisUsers.Password("redis-Mn4", user))));
            Assert.StartsWith($"user {user.Name} on #{hash} ", line);
            Assert.DoesNotContain(RedisUsers.Password("redis-Mn4", user), line);
        }

        Assert.Contains("-@dangerous", RedisUsers.App.Rules);
        Assert.DoesNotContain("+set", RedisUsers.Exporter.Rules);
        Assert.DoesNotContain("@write", RedisUsers.Exporter.Rules);
    }

    [Fact]
    public void A_path_changes_with_the_content_and_the_key_and_tells_nothing_without_the_key()
    {
        var key = new byte[32];
        var secret = new StackSecret("redis_password", "redis-Mn4");
        var path = StackSecrets.PathOf("/s", key, secret);
        Assert.Matches("^/s/redis_password-[0-9a-f]{16}/redis_password$", path);
        Assert.Equal(path, StackSecrets.PathOf("/s", key, secret with { }));
        Assert.NotEqual(path, StackSecrets.PathOf("/s", key, secret with { Content = "redis-Mn5" }));
        Assert.NotEqual(path, StackSecrets.PathOf("/s", [.. Enumerable.Repeat((byte)1, 32)], secret));
        Assert.DoesNotContain(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("redis-Mn4"u8))[..16], path);
        var variables = StackSecrets.Variables("/s", key, [secret], 10001);
        Assert.Equal(path, variables["MLSTACK_SECRET_REDIS_PASSWORD"]);
        Assert.Equal("10001", variables["MLSTACK_SECRETS_GID"]);
    }

    [Fact]
    public void Files_here_are_0440_for_the_secrets_group_in_an_owner_only_folder_and_a_rotated_one_replaces_the_old()
    {
        var root = Path.Combine(_folder, "stack");
        var first = LocalSecretFiles.Write(root, StackSecrets.From(Settings));
        var file = first["MLSTACK_SECRET_APP_DB_PASSWORD"];
        Assert.Equal("app-Lk2", File.ReadAllText(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(root));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(root, ".version-key")));
        Assert.Equal(LocalSecretFiles.Group().ToString(System.Globalization.CultureInfo.InvariantCulture), first["MLSTACK_SECRETS_GID"]);
        if (Environment.UserName == "root")
            Assert.Equal("10001", first["MLSTACK_SECRETS_GID"]);

        var same = LocalSecretFiles.Write(root, StackSecrets.From(Settings));
        Assert.Equal(first, same);
        var rotated = LocalSecretFiles.Write(root, StackSecrets.From(new Dictionary<string, string>(Settings) { ["APP_DB_PASSWORD"] = "app-Lk3" }));
        Assert.NotEqual(file, rotated["MLSTACK_SECRET_APP_DB_PASSWORD"]);
        Assert.Equal("app-Lk3", File.ReadAllText(rotated["MLSTACK_SECRET_APP_DB_PASSWORD"]));
        Assert.False(File.Exists(file));
        Assert.Equal(first["MLSTACK_SECRET_REDIS_APP_PASSWORD"], rotated["MLSTACK_SECRET_REDIS_APP_PASSWORD"]);
    }

    [Fact]
    public async Task Pruning_on_a_VM_keeps_the_secret_folders_a_kept_release_names_and_removes_the_rest()
    {
        var deploy = Path.Combine(_folder, "srv");
        foreach (var folder in new[] { "secrets/app_db_password-aaaa", "secrets/app_db_password-bbbb", "secrets/redis_password-cccc.partial", "releases/r2" })
            Directory.CreateDirectory(Path.Combine(deploy, folder));
        File.WriteAllText(Path.Combine(deploy, "releases/r2/.env"), $"MLSTACK_SECRET_APP_DB_PASSWORD={deploy}/secrets/app_db_password-bbbb/app_db_password\n");

        var pruned = await ChildProcess.RunAsync("sh", ["-c", SecretCommands.Prune(deploy)]);

        Assert.True(pruned.ExitCode == 0, pruned.Output);
        Assert.Equal(["app_db_password-bbbb"], Directory.GetDirectories(Path.Combine(deploy, "secrets")).Select(Path.GetFileName));
    }

    [Fact]
    public void The_scan_names_the_service_and_the_field_and_never_the_value()
    {
        const string Inspect = """
            [{"Name": "/s-ml-service-1", "Config": {"Labels": {"com.docker.compose.service": "ml-service"}, "Env": ["A=1", "DATABASE_URL=postgresql://u:app-Lk2@postgres/db"], "Cmd": ["gunicorn"]},
              "Mounts": [{"Source": "/x/secrets/app_db_password-1/app_db_password"}]},
             {"Name": "/s-redis-1", "Config": {"Labels": {"com.docker.compose.service": "redis"}, "Env": []}, "Mounts": []}]
            """;

        var findings = SecretScan.Findings(Inspect, SecretScan.Values(Settings));

        Assert.Equal(["ml-service: Config.Env[1] holds a secret's value"], findings);
    }
}
