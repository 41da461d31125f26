using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Mlstack.Build.Core;

namespace Mlstack.Build.Stack;

/// <summary>What ApiToken was asked to do: list the tokens, create one, or revoke one.</summary>
public enum ApiTokenAction
{
    List,
    Create,
    Revoke,
}

/// <param name="Name">The token's name; for a listing, only that token's rows (null: every token).</param>
public sealed record ApiTokenRequest(ApiTokenAction Action, string? Name)
{
    /// <summary>--name, --create and --revoke, checked: one line that says what to give when they do not fit.</summary>
    public static ApiTokenRequest From(string? name, bool create, bool revoke)
    {
        if (create && revoke)
            throw new BuildInputException("ApiToken: --create and --revoke together; give one of them (or neither, to list the tokens).");
        var action = create ? ApiTokenAction.Create : revoke ? ApiTokenAction.Revoke : ApiTokenAction.List;
        if (action != ApiTokenAction.List && string.IsNullOrWhiteSpace(name))
            throw new BuildInputException($"ApiToken --{action.ToString().ToLowerInvariant()} needs --name NAME (e.g. ./build.sh ApiToken --name ci --{action.ToString().ToLowerInvariant()}).");
        if (name != null && !ApiTokens.IsValidName(name))
            throw new BuildInputException($"ApiToken --name {name}: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        if (name == ApiTokens.EnvName && action != ApiTokenAction.List)
            throw new BuildInputException($"ApiToken --name {ApiTokens.EnvName}: that name is the env file's API_TOKEN's; choose another name.");
        return new ApiTokenRequest(action, name);
    }
}

/// <summary>API tokens as ml-service checks them (docker/ml-service/mlservice/tokens.py): 256 random bits, shown once;
/// only their SHA-256 is stored. A fast hash is enough: nobody can try 2^256 random values, while a slow one (made for
/// passwords people choose) would only slow each request down.</summary>
public static partial class ApiTokens
{
    /// <summary>The name ml-service gives the env file's API_TOKEN; never stored.</summary>
    public const string EnvName = "env";

    /// <summary>Marks a token in a log or a leaked file for what it is (secret scanners can match it).</summary>
    public const string Prefix = "mlst_";

    public static string NewToken() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>The SHA-256 of the token's UTF-8 bytes, lowercase hex: what the api_tokens table keeps.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    /// <summary>Letters and digits plus - and _: a token pastes into a header, a URL or a shell unquoted.</summary>
    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    // The same rule as the table's CHECK (docker/ml-service/mlservice/db.py).
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex NamePattern();
}
