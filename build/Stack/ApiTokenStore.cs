using Docker.DotNet;
using Mlstack.Build.Engine;

namespace Mlstack.Build.Stack;

/// <summary>The api_tokens table (made by ml-service's migrate) through psql in the stack's postgres container, on
/// whichever engine the site gives (this machine's, or a VM's over SSH). Only a token's SHA-256 and its name travel,
/// as arguments of the exec: neither is a secret, and the token itself never leaves this process.</summary>
public sealed class ApiTokenStore(DockerClient engine, string project, string where) : IDisposable
{
    private const string Time = "'YYYY-MM-DD HH24:MI'";
    private const string ListSql =
        $"SELECT name, to_char(created_at AT TIME ZONE 'UTC', {Time}), coalesce(to_char(revoked_at AT TIME ZONE 'UTC', {Time}), ''), " +
        $"coalesce(to_char(last_used_at AT TIME ZONE 'UTC', {Time}), '') FROM api_tokens ORDER BY created_at, id;";
    private const string CreateSql = $"INSERT INTO api_tokens (name, token_hash) VALUES (:'name', :'hash') RETURNING to_char(created_at AT TIME ZONE 'UTC', {Time});";
    private const string RevokeSql = "UPDATE api_tokens SET revoked_at = now() WHERE name = :'name' AND revoked_at IS NULL RETURNING name;";

    private readonly EngineContainers containers = new(engine);

    public async Task<IReadOnlyList<ApiTokenRecord>> ListAsync(CancellationToken ct = default) =>
        ApiTokenListing.Parse(await PsqlAsync(ListSql, "", "", ct).ConfigureAwait(false));

    /// <summary>Stores the hash under the name; the time it was created (UTC).</summary>
    public async Task<string> CreateAsync(string name, string tokenHash, CancellationToken ct = default) =>
        (await PsqlAsync(CreateSql, name, tokenHash, ct).ConfigureAwait(false)).Trim();

    public async Task RevokeAsync(string name, CancellationToken ct = default)
    {
        if ((await PsqlAsync(RevokeSql, name, "", ct).ConfigureAwait(false)).Trim().Length == 0)
            throw new ApiTokenException($"No live API token named {name} on {where}: nothing revoked (./build.sh ApiToken lists them).");
    }

    /// <summary>psql reads the statement from standard input, where it interpolates :'name' and :'hash' quoted.</summary>
    private async Task<string> PsqlAsync(string sql, string name, string hash, CancellationToken ct)
    {
        var postgres = (await containers.ListAsync(project, "postgres", runningOnly: true, ct).ConfigureAwait(false)).FirstOrDefault()
            ?? throw new ApiTokenException($"No running postgres in project {project} on {where}: start the stack first (./build.sh Up, or Deploy).");
        const string Script = "printf '%s\\n' \"$2\" | psql -X -q -t -A -F '|' -v ON_ERROR_STOP=1 -U \"$POSTGRES_USER\" -d \"$APP_DB_NAME\" -v name=\"$0\" -v hash=\"$1\"";
        var (exitCode, stdout, stderr) = await containers.ExecAsync(postgres.ID, ["sh", "-c", Script, name, hash, sql], onStdoutLine: null, ct).ConfigureAwait(false);
        if (exitCode == 0)
            return stdout;
        if (stderr.Contains("api_tokens_live_name", StringComparison.Ordinal))
            throw new ApiTokenException($"A live API token named {name} exists on {where}: revoke it first (--revoke) or choose another name.");
        if (stderr.Contains("relation \"api_tokens\" does not exist", StringComparison.Ordinal))
            throw new ApiTokenException($"The stack on {where} has no api_tokens table: its release predates API tokens; update it (./build.sh Up, or Deploy) first.");
        throw new ApiTokenException($"psql in postgres on {where} failed (exit code {exitCode}): {stderr.Trim().Split('\n')[^1]}");
    }

    public void Dispose() => containers.Dispose();
}
