using Docker.DotNet;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Site;

/// <summary>Where the stack runs: this machine (<see cref="LocalSite"/>), a VM over SSH (<see cref="VmSite"/>), and
/// one day a cluster. Modules ask it for the engine, Compose, files and HTTP reach instead of asking "is there a VM?";
/// a third place to run is a third implementation, not a third branch in every module.</summary>
public interface IStackSite : IAsyncDisposable
{
    /// <summary>How records and the audit log name the site: "this machine", or the VM's host.</summary>
    string Name { get; }

    /// <summary>A new client of the site's Docker Engine; the caller disposes it.</summary>
    DockerClient OpenEngine();

    /// <summary>Compose for a project whose files are on the site; <paramref name="environment"/> is what Compose
    /// interpolates where the CLI runs here (a VM's project carries its own .env).</summary>
    ComposeCommand Compose(ComposeProject project, IReadOnlyDictionary<string, string> environment);

    Task<string> ReadTextAsync(string path, CancellationToken ct = default);

    /// <summary>Writes a file on the site, readable by its owner (on a VM, by the SSH user) alone.</summary>
    Task WriteTextAsync(string path, string text, CancellationToken ct = default);

    /// <summary>Deletes a file on the site; a missing one is no error.</summary>
    Task DeleteAsync(string path, CancellationToken ct = default);

    /// <summary>Creates the folder when missing; only its owner may read it.</summary>
    Task CreatePrivateFolderAsync(string path, CancellationToken ct = default);

    /// <summary>Makes images built on this machine present in the site's engine (nothing to do here).</summary>
    Task ProvideImagesAsync(IReadOnlyList<string> images, CancellationToken ct = default);

    /// <summary>How this machine reaches an HTTP port at a container address on the site's network.</summary>
    ServiceReach Reach(string address, int port);

    /// <summary>A path on the site, for messages: as it is here, "path on host" on a VM.</summary>
    string Locate(string path);

    /// <summary>A location the site reaches (an off-site repository), for messages: "location (from host)" on a VM.</summary>
    string ReachedFrom(string location);
}
