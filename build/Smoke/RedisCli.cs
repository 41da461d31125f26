namespace Mlstack.Build.Smoke;

/// <summary>redis-cli inside the stack's redis container, authenticated without a password on its command line: as
/// the app's user (its password is mounted there, build/Stack/RedisUsers.cs), or as the default user with
/// REDIS_PASSWORD on a Redis from before per-client users (the backup tests' fixture).</summary>
public static class RedisCli
{
    /// <summary>A shell prefix that defines <c>redis_cli</c>: redis-cli, authenticated.</summary>
    public const string Define =
        "redis_cli() { if [ -r /run/secrets/redis_app_password ]; then REDISCLI_AUTH=\"$(cat /run/secrets/redis_app_password)\" redis-cli --user app \"$@\"; "
        + "else REDISCLI_AUTH=\"${REDIS_PASSWORD:-}\" redis-cli \"$@\"; fi; }; ";
}
