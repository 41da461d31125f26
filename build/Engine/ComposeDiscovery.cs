namespace Mlstack.Build.Engine;

/// <summary>A way to call a Compose CLI: <c>docker compose</c> (the v2 plugin: <c>docker</c> with a <c>compose</c>
/// prefix) or <c>docker-compose</c> (v1).</summary>
public sealed record ComposeCandidate(string File, IReadOnlyList<string> Prefix);

/// <summary>Runs <c>FILE ARGUMENTS…</c> where the stack runs (here, or over SSH) and returns its exit code and
/// standard output, or null when the program is not installed there.</summary>
public delegate Task<(int ExitCode, string Output)?> CommandProbe(string file, IReadOnlyList<string> arguments, CancellationToken ct);

/// <summary>Finds a Compose CLI, the same way on this machine and on a VM: the v2 plugin first, then v1; the first
/// that answers <c>version --short</c> wins.</summary>
public static class ComposeDiscovery
{
    /// <summary>In order of preference.</summary>
    public static readonly IReadOnlyList<ComposeCandidate> Candidates = [new("docker", ["compose"]), new("docker-compose", [])];

    public static async Task<(ComposeCandidate Candidate, string Version)?> FindAsync(CommandProbe run, CancellationToken ct = default)
    {
        foreach (var candidate in Candidates)
        {
            var result = await run(candidate.File, [.. candidate.Prefix, "version", "--short"], ct).ConfigureAwait(false);
            if (result is (0, var output) && output.Trim().Length > 0)
                return (candidate, output.Trim().Split('\n')[^1].Trim().TrimStart('v'));
        }

        return null;
    }
}
