using Mlstack.Build.Engine;
using Mlstack.Build.Site;
using Mlstack.Build.Smoke;

namespace Mlstack.Build.Backup;

public sealed partial class BackupSite
{
    /// <summary>SmokeTest's checks (without the slow flows) against the live stack after a restore, or a scratch
    /// stack: those its services allow, the HTTP ones through its frontend. A scratch frontend is published nowhere:
    /// it is reached at its container's address, as the site reaches it (from a VM through an SSH tunnel).</summary>
    public SmokeServices Smoke() => async (project, ct) =>
    {
        var containers = await helper.Engine.ContainersAsync(project, ct).ConfigureAwait(false);
        var services = containers.Select(BackupEngine.ServiceOf).OfType<string>().Distinct().ToList();
        // A scratch stack shares the machine with the live one, twice the stack on the same cores: its docker exec
        // probes took 8–13 s of their 10 s on a 2-core VM (DeployTests), so they get three times their usual time.
        var scratch = project != plan.ProjectName;
        var checks = SmokeRunner.RunnableIn(StackSmokeChecks.All().Where(c => !c.IsSlow).Select(c => scratch ? c with { Timeout = c.Timeout * 3 } : c), services);
        var covered = services.Where(s => checks.Any(c => c.Service == s)).ToList();
        if (services.Except(covered).ToList() is { Count: > 0 } left)
            log.Info($"{helper.Prefix}: no smoke check of {string.Join(", ", left)} can run in {project}: they go through services it does not run");

        using var reach = scratch ? ScratchReach(project, containers) : new ServiceReach(await plan.LiveAddress(ct).ConfigureAwait(false), null, null);
        await plan.Smoke(site.OpenEngine(), reach.Url, covered, scratch ? project : null, checks, reach.Handler, ct).ConfigureAwait(false);
    };

    private ServiceReach ScratchReach(string project, IList<Docker.DotNet.Models.ContainerListResponse> containers)
    {
        if (containers.FirstOrDefault(c => BackupEngine.ServiceOf(c) == SmokeContext.Entry) is not { } entry)
            return new ServiceReach(new Uri("http://127.0.0.1:9"), null, null); // no HTTP check can run: nothing answers HTTP in this project
        // The edge has no address of its own: it joins edge-net's network (SharedNetwork).
        var address = SharedNetwork.Holder(entry, containers).NetworkSettings?.Networks?.Values.FirstOrDefault()?.IPAddress
            ?? throw new BackupException($"{helper.Prefix}: {project}'s edge has no network address: is it running?");
        var port = entry.Ports.FirstOrDefault()?.PrivatePort ?? 8080;
        return site.Reach(address, port);
    }
}
