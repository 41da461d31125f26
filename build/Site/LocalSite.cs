using Docker.DotNet;
using Mlstack.Build.Engine;
using Mlstack.Build.Core;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Site;

/// <summary>The stack on this machine: the engine at <paramref name="engine"/> (the Doctor's), the Compose CLI here,
/// files on the local disk, container addresses reached directly.</summary>
public sealed class LocalSite(Uri engine, BuildLog log) : IStackSite
{
    public string Name => "this machine";

    public DockerClient OpenEngine() => EngineClients.Connect(engine);

    public ComposeCommand Compose(ComposeProject project, IReadOnlyDictionary<string, string> environment) =>
        LocalCompose.For(project, log, environment);

    public Task<string> ReadTextAsync(string path, CancellationToken ct = default) => File.ReadAllTextAsync(path, ct);

    public async Task WriteTextAsync(string path, string text, CancellationToken ct = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // Owner-only from its first byte, as the VM's upload (0600) is: not the umask's default.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using var file = new FileStream(path, options);
        await using var writer = new StreamWriter(file);
        await writer.WriteAsync(text.AsMemory(), ct).ConfigureAwait(false);
    }

    public Task DeleteAsync(string path, CancellationToken ct = default) => Task.Run(() => File.Delete(path), CancellationToken.None);

    public Task CreatePrivateFolderAsync(string path, CancellationToken ct = default)
    {
        if (!Directory.Exists(path) && !OperatingSystem.IsWindows())
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        else
            Directory.CreateDirectory(path);
        return Task.CompletedTask;
    }

    public Task ProvideImagesAsync(IReadOnlyList<string> images, CancellationToken ct = default) => Task.CompletedTask;

    public ServiceReach Reach(string address, int port) => new(new Uri($"http://{address}:{port}"), null, null);

    public string Locate(string path) => path;

    public string ReachedFrom(string location) => location;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
