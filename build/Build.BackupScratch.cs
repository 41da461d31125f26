using Mlstack.Build.Backup;
using Mlstack.Build.Deploy;
using Mlstack.Build.Doctor;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;
using Mlstack.Build.Smoke;
using Mlstack.Build.Stack;

namespace Mlstack.Build;

internal sealed partial class Build
{
    /// <summary>The stack as a scratch project for VerifyBackup and Restore: compose.yaml with nothing published, under
    /// a name of its own. Here it runs this checkout's images; on a VM, the files and images of the release the backup
    /// was taken from when the VM still keeps it, else the current release's. It runs the whole stack when the stack
    /// it stands in for runs the app, and the data services alone for a data-only stack.</summary>
    private async Task<ScratchProject> ScratchStackAsync(BackupSite site, BackupEntry backup, CancellationToken ct)
    {
        var name = $"{ProjectName}verify{Guid.NewGuid().ToString("N")[..6]}";
        var live = (await site.Helper.Engine.ContainersAsync(ProjectName, ct)).Select(BackupEngine.ServiceOf).OfType<string>().ToHashSet();
        var app = live.Except(StackBackup.DataServices).Any()
            ? (await StackModelAsync(ct)).Services.Select(s => s.Name).Except(StackBackup.DataServices).ToList()
            : [];
        if (site.Vm == null)
        {
            var project = await StackProjectAsync(ct);
            var file = Path.Combine(TemporaryDirectory, $"{name}.compose.yaml");
            Directory.CreateDirectory(TemporaryDirectory);
            await File.WriteAllTextAsync(file, UnpublishedCompose.Of(await File.ReadAllTextAsync(project.Files[0], ct)), ct);
            var compose = LocalCompose.For(project with { Name = name, Files = [file] }, Log, await UpEnvironmentAsync(ct));
            return new ScratchProject(name, compose, Gate(site, name), SmokeProject(site), app, () => Task.Run(() => File.Delete(file)));
        }

        var vm = site.Vm;
        var store = new ReleaseStore(vm, DeployPath);
        var (activation, _) = await ActivationAsync(vm, store, ct);
        var releases = await store.ListAsync(ct);
        var kept = releases.FirstOrDefault(r => r.Release.Id == backup.Tag("release"))?.Release;
        var from = kept ?? CurrentRelease(vm, releases);
        Log.Info($"{site.Helper.Prefix}: the scratch stack runs release {from.Id}'s images{(kept == null ? $" (the backup's release {backup.Tag("release") ?? "?"} is no longer on {vm.Target.Host})" : string.Empty)}");
        var release = activation.Project(from.Id);
        var read = await vm.RunAsync($"cat {AtomicUpload.Quote(release.Files[0])}", TimeSpan.FromSeconds(30), ct);
        read.EnsureSuccess();
        var remoteFile = $"{DeployPath}/{name}.compose.yaml";
        await vm.UploadAsync(System.Text.Encoding.UTF8.GetBytes(UnpublishedCompose.Of(read.Output)), remoteFile, UnixFileMode.UserRead | UnixFileMode.UserWrite, ct: ct);
        var remoteCompose = RemoteCompose.For(vm, release with { Name = name, Files = [remoteFile] });
        return new ScratchProject(name, remoteCompose, Gate(site, name), SmokeProject(site), app,
            async () => await vm.RunAsync($"rm -f {AtomicUpload.Quote(remoteFile)}", TimeSpan.FromSeconds(30), CancellationToken.None));
    }

    /// <summary>SmokeTest's checks (without the slow flows) against the live stack after a restore, or a scratch
    /// stack: those its services allow, the HTTP ones through its frontend. A scratch frontend is published nowhere:
    /// it is reached at its container's address, from a VM through an SSH tunnel.</summary>
    private SmokeServices SmokeProject(BackupSite site) => async (project, ct) =>
    {
        var containers = await site.Helper.Engine.ContainersAsync(project, ct);
        var services = containers.Select(BackupEngine.ServiceOf).OfType<string>().Distinct().ToList();
        // A scratch stack shares the machine with the live one, twice the stack on the same cores: its docker exec
        // probes took 8–13 s of their 10 s on a 2-core VM (DeployTests), so they get three times their usual time.
        var scratch = project != ProjectName;
        var checks = SmokeRunner.RunnableIn(StackSmokeChecks.All().Where(c => !c.IsSlow).Select(c => scratch ? c with { Timeout = c.Timeout * 3 } : c), services);
        var covered = services.Where(s => checks.Any(c => c.Service == s)).ToList();
        if (services.Except(covered).ToList() is { Count: > 0 } left)
            Log.Info($"{site.Helper.Prefix}: no smoke check of {string.Join(", ", left)} can run in {project}: they go through services it does not run");

        IDisposable? tunnel = null;
        HttpMessageHandler? handler = null;
        try
        {
            Uri url;
            if (!scratch)
                url = site.Vm != null ? VmStackAddress(site.Vm, (await StackProjectAsync(ct)).EnvFile) : StackAddress();
            else if (containers.FirstOrDefault(c => BackupEngine.ServiceOf(c) == SmokeContext.Entry) is { } frontend)
            {
                var address = frontend.NetworkSettings?.Networks?.Values.FirstOrDefault()?.IPAddress
                    ?? throw new BackupException($"{site.Helper.Prefix}: {project}'s frontend has no network address: is it running?");
                var port = frontend.Ports.FirstOrDefault()?.PrivatePort ?? 8080;
                if (site.Vm != null)
                {
                    var (forward, local) = site.Vm.ForwardLocalPort(address, port);
                    (tunnel, handler) = (forward, SshSession.OneConnectionAtATime());
                    url = new Uri($"http://127.0.0.1:{local}");
                }
                else
                    url = new Uri($"http://{address}:{port}");
            }
            else
                url = new Uri("http://127.0.0.1:9"); // no HTTP check can run: nothing answers HTTP in this project

            var engine = site.Vm != null ? site.Vm.OpenEngine() : EngineProbe.Client((await DockerAsync(ct)).Engine);
            await SmokeAsync(engine, url, covered, ct, scratch ? project : null, checks, handler);
        }
        finally
        {
            tunnel?.Dispose();
        }
    };
}
