using System.Security.Cryptography;
using System.Text;

namespace Mlstack.Build.Stack;

/// <summary>One Redis ACL user: its name and what it may do (Redis 7 ACL rules).</summary>
public sealed record RedisUser(string Name, string Rules);

/// <summary>Redis's users, one per kind of client, the default user off (docs/production.md#database-and-redis-roles).
/// Each password is derived from REDIS_PASSWORD (<see cref="StackSecrets.Derive"/>), which itself reaches no container:
/// a client holds its own password only, and redis holds their SHA-256 hashes.</summary>
public static class RedisUsers
{
    /// <summary>The app, its workers and the scheduler (Celery's broker and results): every key and channel, no
    /// command of the dangerous kind (FLUSHALL, CONFIG, KEYS, DEBUG, SHUTDOWN, ACL, …).</summary>
    public static readonly RedisUser App = new("app", "~* &* +@all -@dangerous");

    /// <summary>Reads queue lengths and the unacknowledged tasks (mlservice/queues.py), nothing else.</summary>
    public static readonly RedisUser Autoscaler = new("autoscaler", "~* -@all +ping +llen +hvals");

    /// <summary>redis_exporter's own list of what it reads (its README), less GET and EVAL, which only its key
    /// checks use: it may not write.</summary>
    public static readonly RedisUser Exporter = new("exporter",
        "~* -@all +ping +info +config|get +client|list +client|info +client|setname +slowlog +latency +memory|stats +select +dbsize +scan "
        + "+type +strlen +llen +hlen +scard +zcard +xlen +xinfo +pfcount +cluster|info");

    /// <summary>The backup helper: a snapshot (BGSAVE, LASTSAVE) and the server's version (INFO).</summary>
    public static readonly RedisUser Backup = new("backup", "-@all +ping +bgsave +lastsave +info");

    /// <summary>redis's own healthcheck.</summary>
    public static readonly RedisUser Health = new("health", "-@all +ping");

    public static readonly IReadOnlyList<RedisUser> All = [App, Autoscaler, Exporter, Backup, Health];

    public static string Password(string redisPassword, RedisUser user) => StackSecrets.Derive(redisPassword, "redis-" + user.Name);

    /// <summary>The ACL lines redis reads at start (its entrypoint puts them in its config): passwords as hashes.</summary>
    public static string Acl(string redisPassword) =>
        "user default off\n" + string.Concat(All.Select(u =>
            $"user {u.Name} on #{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Password(redisPassword, u))))} {u.Rules}\n"));
}
