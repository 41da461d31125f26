using Mlstack.Build.Deploy;
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
            var steps = await new VmBootstrap(vm, DeployPath, Log).RunAsync(ct);
            Log.Report($"{"step",-16}{"found",-44}done");
            foreach (var step in steps)
                Log.Report($"{step.What,-16}{Shorten(step.Found, 42),-44}{step.Done}");
            var changed = steps.Count(s => s.Changed);
            Log.Success(changed == 0
                ? $"Bootstrap: {vm.Target.Host} was ready; nothing changed."
                : $"Bootstrap: {vm.Target.Host} is ready for Deploy; {changed} step(s) changed something.");
        });

    private static string Shorten(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
