using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Mlstack.Build.Stack;

/// <summary>One secret as a file for compose's <c>secrets:</c>: its file name (also its name under /run/secrets), the
/// compose variable that names where it is, and its content.</summary>
public sealed record StackSecret(string Name, string Content)
{
    /// <summary>The compose variable holding the file's path, e.g. MLSTACK_SECRET_POSTGRES_PASSWORD.</summary>
    public string Variable => "MLSTACK_SECRET_" + Name.ToUpperInvariant();

    public override string ToString() => Name; // never the content
}

/// <summary>The stack's passwords and keys as files (docs/production.md#secrets-as-files): what each file holds, made
/// from the env file's settings (the operator sets five: four passwords and the API token). Clients that need less than the owner get passwords of their own, derived from the
/// owner's (HMAC), so an operator still sets four secrets and a leaked exporter's or worker's password opens nothing else; Redis's
/// own password reaches no container at all, only its users' (<see cref="RedisUsers"/>).
/// Each file lives in a folder named by a keyed hash of its content (<see cref="Version"/>): a changed secret is a new
/// path, so compose recreates exactly the services that mount it, and the path tells nothing about the value.</summary>
public static class StackSecrets
{
    /// <summary>The group that may read the secret files (mode 0440) when the build runs as root: no user or group of
    /// any image has this id; each service that mounts secrets gets it as a supplementary group (compose group_add).</summary>
    public const int RootGroup = 10001;

    /// <summary>The PostgreSQL role postgres-exporter logs in as: pg_monitor and nothing else (docker/postgres/entrypoint.sh).</summary>
    public const string ExporterRole = "mlstack_exporter";

    /// <summary>The PostgreSQL roles the services log in as, each with the rights its code uses and no more
    /// (docker/ml-service/mlservice/dbroles.py), and the secret holding its password, derived from the application
    /// role's: that role owns the schema and only migrate logs in as it (docs/production.md#database-and-redis-roles).</summary>
    public static readonly IReadOnlyList<(string Role, string Secret)> ServiceDbRoles =
    [
        ("mlstack_api", "api_db_password"),
        ("mlstack_worker_light", "worker_light_db_password"),
        ("mlstack_worker_medium", "worker_medium_db_password"),
        ("mlstack_worker_heavy", "worker_heavy_db_password"),
    ];

    /// <summary>The compose variable naming the secret files' group.</summary>
    public const string GroupVariable = "MLSTACK_SECRETS_GID";

    public static IReadOnlyList<StackSecret> From(IReadOnlyDictionary<string, string> settings)
    {
        string Setting(string name) => settings.GetValueOrDefault(name) ?? string.Empty;
        var redis = Setting("REDIS_PASSWORD");
        return
        [
            new("postgres_password", Setting("POSTGRES_PASSWORD")),
            new("app_db_password", Setting("APP_DB_PASSWORD")),
            new("exporter_db_password", Derive(Setting("POSTGRES_PASSWORD"), "postgres-exporter")),
            .. ServiceDbRoles.Select(r => new StackSecret(r.Secret, Derive(Setting("APP_DB_PASSWORD"), "postgres-" + r.Role))),
            new("redis_users", RedisUsers.Acl(redis)),
            new("redis_app_password", RedisUsers.Password(redis, RedisUsers.App)),
            new("redis_autoscaler_password", RedisUsers.Password(redis, RedisUsers.Autoscaler)),
            new("redis_health_password", RedisUsers.Password(redis, RedisUsers.Health)),
            // redis_exporter's --redis.password-file: a JSON map from the address it scrapes to the password.
            new("redis_exporter_auth", JsonSerializer.Serialize(new Dictionary<string, string> { ["redis://redis:6379"] = RedisUsers.Password(redis, RedisUsers.Exporter) })),
            new("s3_secret_access_key", Setting("S3_SECRET_ACCESS_KEY")),
            new("api_token", Setting("API_TOKEN")), // the token named "env" (docs/stack.md#api-tokens-and-rate-limits)
            // It may carry a token (docs/stack.md#alerts). None: one newline, which alertmanager.sh reads as none (the
            // shell drops it), because a Swarm secret cannot be empty (the engine refuses 0 bytes).
            new("alert_webhook_url", Setting("ALERT_WEBHOOK_URL") is { Length: > 0 } url ? url : "\n"),
        ];
    }

    /// <summary>A password of a client's own from its owner's: URL-safe, 32 characters, one-way.</summary>
    public static string Derive(string owner, string client)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(owner), Encoding.UTF8.GetBytes("mlstack-secret:" + client));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_')[..32];
    }

    /// <summary>A secret's version: a hash keyed by a random key kept beside the secrets (never the content's plain
    /// hash, which would let anyone who sees a path test guesses of a password against it).</summary>
    public static string Version(byte[] key, StackSecret secret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(secret.Name + "\n" + secret.Content)))[..16];

    /// <summary>Where a secret's file lives under <paramref name="root"/>: &lt;name&gt;-&lt;version&gt;/&lt;name&gt;.</summary>
    public static string PathOf(string root, byte[] key, StackSecret secret) => $"{root}/{secret.Name}-{Version(key, secret)}/{secret.Name}";

    /// <summary>Each secret's compose variable → its file's path, and the group variable.</summary>
    public static Dictionary<string, string> Variables(string root, byte[] key, IEnumerable<StackSecret> secrets, int group)
    {
        var variables = secrets.ToDictionary(s => s.Variable, s => PathOf(root, key, s));
        variables[GroupVariable] = group.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return variables;
    }
}
