using Mlstack.Build.Host;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Doctor;

/// <summary>Finds a Compose CLI: the v2 plugin (<c>docker compose</c>) first, then v1 (<c>docker-compose</c>).</summary>
public static class ComposeProbe
{
    /// <summary>In order of preference, here and on a VM: the v2 plugin, then v1.</summary>
    public static readonly ComposeCli[] Candidates = [new("docker", ["compose"], ""), new("docker-compose", [], "")];

    /// <param name="cache">Remembers a CLI's version while its binary is unchanged (v1 takes ~0.5 s to start).</param>
    public static async Task<ComposeCli?> FindAsync(BuildLog log, ToolOutputCache? cache = null, CancellationToken ct = default)
    {
        foreach (var candidate in Candidates)
        {
            try
            {
                string[] arguments = [.. candidate.Prefix, "version", "--short"];
                Task<ToolResult> Run() => ToolRunner.RunAsync(candidate.File, arguments, log, Verbosity.Verbose, ct: ct);
                var binary = ToolRunner.Resolve(candidate.File);
                var result = cache == null || !File.Exists(binary)
                    ? await Run().ConfigureAwait(false)
                    : await cache.GetOrRunAsync(["compose-version", ToolOutputCache.FileIdentity(binary), .. arguments], Run, ct).ConfigureAwait(false);
                if (result.ExitCode == 0 && result.Output.Count > 0)
                    return candidate with { Version = result.Output[^1].Trim().TrimStart('v') };
            }
            catch (ToolNotFoundException)
            {
                // not installed: try the next one
            }
        }

        return null;
    }
}
