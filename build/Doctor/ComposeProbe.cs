using Mlstack.Build.Host;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Doctor;

/// <summary>Finds a Compose CLI: the v2 plugin (<c>docker compose</c>) first, then v1 (<c>docker-compose</c>).</summary>
public static class ComposeProbe
{
    public static async Task<ComposeCli?> FindAsync(BuildLog log, CancellationToken ct)
    {
        var candidates = new[] { new ComposeCli("docker", ["compose"], ""), new ComposeCli("docker-compose", [], "") };
        foreach (var candidate in candidates)
        {
            try
            {
                var result = await ToolRunner.RunAsync(candidate.File, [.. candidate.Prefix, "version", "--short"], log, Verbosity.Verbose, ct: ct).ConfigureAwait(false);
                if (result.ExitCode == 0 && result.Output.Count > 0)
                    return candidate with { Version = result.Output[^1].Trim().TrimStart('v') };
            }
            catch (InvalidOperationException)
            {
                // not installed: try the next one
            }
        }

        return null;
    }
}
