using Mlstack.Build.Engine;
using Mlstack.Build.Core;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Doctor;

/// <summary>Finds this machine's Compose CLI (<see cref="ComposeDiscovery"/>, run through the local tool runner).</summary>
public static class ComposeProbe
{
    /// <param name="cache">Remembers a CLI's version while its binary is unchanged (v1 takes ~0.5 s to start).</param>
    public static async Task<ComposeCli?> FindAsync(BuildLog log, ToolOutputCache? cache = null, CancellationToken ct = default) =>
        await ComposeDiscovery.FindAsync(async (file, arguments, token) =>
        {
            try
            {
                Task<ToolResult> Run() => ToolRunner.RunAsync(file, arguments, log, Verbosity.Verbose, ct: token);
                var binary = ToolRunner.Resolve(file);
                var result = cache == null || !File.Exists(binary)
                    ? await Run().ConfigureAwait(false)
                    : await cache.GetOrRunAsync(["compose-version", ToolOutputCache.FileIdentity(binary), .. arguments], Run, token).ConfigureAwait(false);
                return (result.ExitCode, string.Join('\n', result.Output));
            }
            catch (ToolNotFoundException)
            {
                return null; // not installed: try the next one
            }
        }, ct).ConfigureAwait(false) is (var candidate, var version)
            ? new ComposeCli(candidate.File, candidate.Prefix, version)
            : null;
}
