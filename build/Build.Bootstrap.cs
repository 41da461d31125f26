using Mlstack.Build.Deploy;
using Mlstack.Build.Core;
using Mlstack.Build.Host;

namespace Mlstack.Build;

internal sealed partial class Build
{
    Target Bootstrap => _ => _
        .Description("Readies a Debian/Ubuntu VM (--host, as root) for Deploy: Docker Engine and Compose from its packages, the engine running, json-file log rotation defaults, the deploy path (0700); run again, it changes nothing")
        .Requires(() => DeployHost)
        .Executes(async ct =>
        {
            await using var vm = await ConnectVmAsync(ct);
            BootstrapReport.Print(await new VmBootstrap(vm, DeployPath, Log).RunAsync(ct), vm.Target.Host, Log);
        });
}
