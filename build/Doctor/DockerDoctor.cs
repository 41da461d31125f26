using Mlstack.Build.Core;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Doctor;

/// <summary>Makes sure a Docker Engine answers and a Compose CLI exists. A working setup is left as it is; a daemon
/// is never stopped. On Debian as root the missing parts are installed and started; elsewhere it says what to install.</summary>
public static class DockerDoctor
{
    public static async Task<DockerSetup> EnsureAsync(string temporaryDirectory, BuildLog log, CancellationToken ct)
    {
        var (endpoint, isExplicit) = EngineProbe.Endpoint();
        var (engine, problem) = await EngineProbe.ProbeAsync(endpoint, ct).ConfigureAwait(false);
        if (engine == null)
        {
            if (isExplicit)
                throw new EngineUnavailableException($"No Docker Engine answers at {endpoint} (DOCKER_HOST: {problem}); start it there or unset DOCKER_HOST.");
            if (!EngineInstaller.CanInstall)
                throw new EngineUnavailableException($"No Docker Engine answers at {endpoint}; install Docker Engine and Compose (Debian: apt-get install docker.io docker-compose), start dockerd, then run again.");
            log.Info($"Doctor: no Docker Engine answers at {endpoint}; setting one up.");
            if (!ToolRunner.IsOnPath("dockerd"))
                await EngineInstaller.InstallPackagesAsync(["docker.io", "docker-compose"], log, ct).ConfigureAwait(false);
            await EngineInstaller.StartDaemonAsync(endpoint, Path.Combine(temporaryDirectory, "dockerd.log"), log, ct).ConfigureAwait(false);
            engine = await EngineProbe.TryVersionAsync(endpoint, ct).ConfigureAwait(false)
                ?? throw new EngineUnavailableException($"dockerd started but {endpoint} does not answer.");
        }

        var cache = new ToolOutputCache(Path.Combine(temporaryDirectory, "cache"));
        var compose = await ComposeProbe.FindAsync(log, cache, ct).ConfigureAwait(false);
        if (compose == null && EngineInstaller.CanInstall)
        {
            await EngineInstaller.InstallPackagesAsync(["docker-compose"], log, ct).ConfigureAwait(false);
            compose = await ComposeProbe.FindAsync(log, ct: ct).ConfigureAwait(false);
        }

        if (compose == null)
            throw new ToolNotFoundException("docker compose", "No Compose CLI found; install the Compose v2 plugin (docker compose) or docker-compose v1, then run again.");

        log.Success($"Docker Engine {engine.Value.Version} (API {engine.Value.Api}) at {endpoint}");
        log.Success($"Compose {compose.Version} ({compose.Display}{(compose.IsV1 ? ", v1" : string.Empty)})");
        return new DockerSetup(endpoint, engine.Value.Version, engine.Value.Api, compose);
    }
}
