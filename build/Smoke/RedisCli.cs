namespace Mlstack.Build.Smoke;

/// <summary>redis-cli inside a container of the stack, authenticated without the password on its command line: from
/// the secret file REDIS_PASSWORD_FILE names (the stack), or REDIS_PASSWORD (an older or fixture container).</summary>
public static class RedisCli
{
    /// <summary>A shell prefix that sets REDISCLI_AUTH, which redis-cli reads.</summary>
    public const string Auth = "REDISCLI_AUTH=\"$(cat \"${REDIS_PASSWORD_FILE:-/dev/null}\")${REDIS_PASSWORD:-}\"; export REDISCLI_AUTH; ";
}
