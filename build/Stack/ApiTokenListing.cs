using Mlstack.Build.Core;

namespace Mlstack.Build.Stack;

/// <summary>One row of the api_tokens table, times in UTC to the minute ("2026-12-05 06:30"); null: never.</summary>
public sealed record ApiTokenRecord(string Name, string Created, string? Revoked, string? LastUsed);

/// <summary>The table ApiToken prints, read from psql's unaligned output (fields split by '|', which no name holds).</summary>
public static class ApiTokenListing
{
    public static IReadOnlyList<ApiTokenRecord> Parse(string psqlOutput) =>
        [.. psqlOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('|'))
            .Where(fields => fields.Length == 4)
            .Select(f => new ApiTokenRecord(f[0], f[1], NullIfEmpty(f[2]), NullIfEmpty(f[3])))];

    /// <param name="where">The site, for the heading: "this machine", or the VM's host.</param>
    public static IReadOnlyList<string> Lines(IReadOnlyList<ApiTokenRecord> tokens, string where)
    {
        var lines = new List<string>();
        if (tokens.Count == 0)
            lines.Add($"No API tokens on {where} yet; make one with ./build.sh ApiToken --name NAME --create.");
        else
        {
            string[] header = ["name", "created (UTC)", "revoked", "last used"];
            var rows = tokens.Select(t => new[] { t.Name, t.Created, t.Revoked ?? "-", t.LastUsed ?? "never" }).ToList();
            var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length)) + 2).ToArray();
            lines.Add(string.Concat(header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
            lines.AddRange(rows.Select(row => string.Concat(row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd()));
        }

        lines.Add($"Besides these, the env file's API_TOKEN is accepted as the token named '{ApiTokens.EnvName}' (not stored).");
        return lines;
    }

    private static string? NullIfEmpty(string field) => field.Length == 0 ? null : field;
}

/// <summary>ApiToken could not do what it was asked (a live token of that name exists, none to revoke, the stack is
/// not there or predates tokens): one line saying what to do.</summary>
public sealed class ApiTokenException(string message) : BuildFailure(message);
