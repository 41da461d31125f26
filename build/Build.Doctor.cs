using Mlstack.Build.Doctor;
using Mlstack.Build.Engine;
using Mlstack.Build.Core;
using Mlstack.Build.Host;

namespace Mlstack.Build;

internal sealed partial class Build
{
    private Task<DockerSetup>? docker;

    /// <summary>The Docker Engine and Compose CLI, found (or installed) on first use: by Doctor when it runs, else by
    /// whichever target needs them first, so a skipped Doctor never leaves a target without them.</summary>
    private Task<DockerSetup> DockerAsync(CancellationToken ct) =>
        docker ??= DockerDoctor.EnsureAsync(TemporaryDirectory, Log, ct);

    /// <summary>A new client of this machine's engine (the Doctor's); the caller disposes it.</summary>
    private async Task<Docker.DotNet.DockerClient> LocalEngineAsync(CancellationToken ct) =>
        EngineClients.Connect((await DockerAsync(ct)).Engine);

    Target Doctor => _ => _
        .Description("Finds a Docker Engine and a Compose CLI and prints their versions; on Debian as root, installs and starts them when missing")
        .Executes(DockerAsync);
}
