using Mlstack.Build.Doctor;
using Mlstack.Build.Host;

namespace Mlstack.Build;

internal sealed partial class Build
{
    /// <summary>What Doctor found; every target that talks to Docker depends on Doctor and reads this.</summary>
    private DockerSetup? Docker;

    Target Doctor => _ => _
        .Description("Finds a Docker Engine and a Compose CLI and prints their versions; on Debian as root, installs and starts them when missing")
        .Executes(async ct => Docker = await DockerDoctor.EnsureAsync(TemporaryDirectory, Log, ct));
}
