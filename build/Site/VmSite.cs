using Docker.DotNet;
using Mlstack.Build.Core;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Site;

/// <summary>The stack on a VM over SSH: its engine over dial-stdio, Compose run over SSH, files read with cat and
/// written by upload, container addresses reached through an SSH local forward. Closes the session with itself only
/// when it owns it (Deploy and Rollback lend theirs).</summary>
/// <param name="localEngine">This machine's engine, where images to ship are built.</param>
/// <param name="registryFolder">The local registry's storage, through which images are shipped.</param>
public sealed class VmSite(SshSession vm, bool ownsSession, Func<CancellationToken, Task<DockerClient>> localEngine, string registryFolder, BuildLog log) : IStackSite
{
    private static readonly TimeSpan FileCommandTimeout = TimeSpan.FromSeconds(30);

    public string Name => vm.Target.Host;

    public DockerClient OpenEngine() => vm.OpenEngine();

    public ComposeCommand Compose(ComposeProject project, IReadOnlyDictionary<string, string> environment) =>
        RemoteComposeCommand.For(vm, project);

    public async Task<string> ReadTextAsync(string path, CancellationToken ct = default)
    {
        var read = await vm.RunAsync($"cat {AtomicUpload.Quote(path)}", FileCommandTimeout, ct).ConfigureAwait(false);
        read.EnsureSuccess();
        return read.Output;
    }

    public Task WriteTextAsync(string path, string text, CancellationToken ct = default) =>
        vm.UploadAsync(System.Text.Encoding.UTF8.GetBytes(text), path, UnixFileMode.UserRead | UnixFileMode.UserWrite, ct: ct);

    // Not cancellable: a clean-up runs after a failure or Ctrl-C too.
    public Task DeleteAsync(string path, CancellationToken ct = default) =>
        vm.RunAsync($"rm -f {AtomicUpload.Quote(path)}", FileCommandTimeout, CancellationToken.None);

    public async Task CreatePrivateFolderAsync(string path, CancellationToken ct = default) =>
        (await vm.RunAsync($"mkdir -p -m 700 {AtomicUpload.Quote(path)}", FileCommandTimeout, ct).ConfigureAwait(false)).EnsureSuccess();

    public async Task ProvideImagesAsync(IReadOnlyList<string> images, CancellationToken ct = default)
    {
        using var local = await localEngine(ct).ConfigureAwait(false);
        await ImageShipper.ShipAsync(local, vm, images, log, registryFolder, ct).ConfigureAwait(false);
    }

    public ServiceReach Reach(string address, int port)
    {
        var (forward, local) = vm.ForwardLocalPort(address, port);
        return new ServiceReach(new Uri($"http://127.0.0.1:{local}"), SshSession.OneConnectionAtATime(), forward);
    }

    public string Locate(string path) => $"{path} on {vm.Target.Host}";

    public string ReachedFrom(string location) => $"{location} (from {vm.Target.Host})";

    public async ValueTask DisposeAsync()
    {
        if (ownsSession)
            await vm.DisposeAsync().ConfigureAwait(false);
    }
}
