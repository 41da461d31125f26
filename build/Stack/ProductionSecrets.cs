using Mlstack.Build.Core;

namespace Mlstack.Build.Stack;

/// <summary>The prod environment never starts with an empty or well-known password.</summary>
public static class ProductionSecrets
{
    /// <summary>API_TOKEN: the env file's API token (ml-service accepts it as the token named "env"; SmokeTest writes with it).</summary>
    public static readonly string[] PasswordVariables = ["POSTGRES_PASSWORD", "APP_DB_PASSWORD", "REDIS_PASSWORD", "S3_SECRET_ACCESS_KEY", "API_TOKEN"];

    private static readonly string[] WellKnown =
        ["password", "passw0rd", "postgres", "changeme", "change-me", "secret", "admin", "root", "redis", "minioadmin", "s3rver", "mlstack", "123456", "example", "test"];

    /// <param name="effective">What compose will use: the env file, overridden by the process environment.</param>
    /// <param name="examples">The development values in .env.example: known to everyone who read the repository.</param>
    public static void Check(IReadOnlyDictionary<string, string> effective, IReadOnlyDictionary<string, string> examples)
    {
        foreach (var name in PasswordVariables)
        {
            var value = effective.GetValueOrDefault(name) ?? string.Empty;
            if (value.Length == 0)
                throw new BuildInputException($"Refusing to start prod: {name} is empty; set it in stack/.env or the environment.");
            if (IsWellKnown(value, examples))
                throw new BuildInputException($"Refusing to start prod: {name} is a well-known default; set a real secret in stack/.env or the environment.");
        }
    }

    /// <summary>A value everyone can guess: a common default, or one of .env.example's development values.</summary>
    public static bool IsWellKnown(string value, IReadOnlyDictionary<string, string> examples) =>
        WellKnown.Contains(value, StringComparer.OrdinalIgnoreCase) || examples.Values.Contains(value, StringComparer.Ordinal);

    /// <summary>The variables compose will see: env file values, each overridden by the process environment.</summary>
    public static Dictionary<string, string> Effective(string envFile)
    {
        var values = EnvFile.Read(envFile);
        foreach (var key in values.Keys.ToList())
        {
            if (Environment.GetEnvironmentVariable(key) is { } overridden)
                values[key] = overridden;
        }

        foreach (var name in PasswordVariables)
        {
            if (!values.ContainsKey(name) && Environment.GetEnvironmentVariable(name) is { } fromEnvironment)
                values[name] = fromEnvironment;
        }

        return values;
    }
}
