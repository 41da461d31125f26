using System.Formats.Tar;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Engine;

namespace Mlstack.Build.Backup;

/// <param name="Binds">Volumes (name:/path[:ro]) and the repository folder; the only host path a helper sees.</param>
/// <param name="Secrets">Files for /run/secrets (mode 0400), copied in before the container starts: never an
/// argument or a variable of the container, so neither ps nor docker inspect shows them.</param>
public sealed record HelperRun(string Image, IReadOnlyList<string> Command, IReadOnlyDictionary<string, string> Environment, IReadOnlyList<string> Binds, string? Network, IReadOnlyDictionary<string, string> Secrets);

public sealed record HelperResult(long ExitCode, IReadOnlyList<string> Stdout, string Stderr);

/// <summary>What Backup, VerifyBackup and Restore ask of the engine — a local socket, a VM's engine over SSH, or a swarm's
/// data node's: a stack's containers, volumes and network found as <paramref name="naming"/> says (compose's labels
/// unless told), stop and start, and one-off helper containers.</summary>
public sealed class BackupEngine(DockerClient client, StackNaming? naming = null) : IDisposable
{
    public const string HelperLabel = "mlstack.backup-helper";

    /// <summary>Where the helper's secrets are copied before it starts: an anonymous volume, as the engine copies no
    /// file into a read-only root filesystem; removed with the container, as the files in its root were before.</summary>
    public const string SecretsPath = "/run/secrets";

    /// <summary>The only capabilities the helper keeps: it runs as root to copy other users' files with their owners
    /// (the object store's, Redis's: rsync -a, restic restore, cp -a, chown in place), and to write a repository folder
    /// that belongs to whoever runs the build. CHOWN gives the owners back, FOWNER their modes and times, DAC_OVERRIDE
    /// reads, writes and deletes in folders it does not own. Every other capability of Docker's default set is dropped.</summary>
    public static readonly IReadOnlyList<string> HelperCapabilities = ["CHOWN", "DAC_OVERRIDE", "FOWNER"];

    /// <summary>The helper's container: least privilege as the stack's services have it (stack/compose.yaml's
    /// x-least-privilege), with the capabilities above; what it writes outside its volumes is tmpfs: /tmp (mktemp,
    /// restic's temporary packs) and root's home (restic's cache, the ssh config for an sftp repository).</summary>
    internal static CreateContainerParameters HelperContainer(HelperRun run) => new()
    {
        Image = run.Image,
        Cmd = [.. run.Command],
        Env = [.. run.Environment.Select(e => $"{e.Key}={e.Value}")],
        Labels = new Dictionary<string, string> { [HelperLabel] = run.Command[0] },
        Volumes = new Dictionary<string, EmptyStruct> { [SecretsPath] = default },
        HostConfig = new HostConfig
        {
            Binds = [.. run.Binds],
            NetworkMode = run.Network ?? "default",
            CapDrop = ["ALL"],
            CapAdd = [.. HelperCapabilities],
            SecurityOpt = ["no-new-privileges:true"],
            ReadonlyRootfs = true,
            Tmpfs = new Dictionary<string, string> { ["/tmp"] = "", ["/root"] = "mode=0700" },
        },
    };

    private readonly EngineContainers containers = new(client);

    private readonly StackNaming naming = naming ?? StackNaming.Compose;

    /// <summary>The newest container of a project's service (running or not), or null.</summary>
    public async Task<ContainerListResponse?> ContainerAsync(string project, string service, CancellationToken ct) =>
        (await containers.ListAsync(naming.Containers(project, service), runningOnly: false, ct).ConfigureAwait(false)).MaxBy(c => c.Created);

    /// <inheritdoc cref="StackNaming.ServiceOf(ContainerListResponse)"/>
    public static string? ServiceOf(ContainerListResponse container) => StackNaming.ServiceOf(container);

    public Task<IList<ContainerListResponse>> ContainersAsync(string project, CancellationToken ct) =>
        containers.ListAsync(naming.Containers(project), runningOnly: false, ct);

    /// <summary>The engine's name of the project's network; on a swarm node, one a plain container may join.</summary>
    public async Task<string> NetworkAsync(string project, string network, CancellationToken ct)
    {
        var found = (await client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = naming.Resource(project, "network", network) }, ct).ConfigureAwait(false))
            .FirstOrDefault(n => naming.IsResource(project, network, n.Name))
            ?? throw new BackupException($"project {project} has no '{network}' network here: is its stack up?");
        if (found.Scope == "swarm" && !found.Attachable)
            throw new BackupException($"network {found.Name} does not let the backup helper join it (not attachable: the stack was first deployed before mlstack made it so); remove the stack and deploy it again (docs/cluster.md#backups).");
        return found.Name;
    }

    public async Task<string> VolumeAsync(string project, string volume, CancellationToken ct) =>
        (await client.Volumes.ListAsync(new VolumesListParameters { Filters = naming.Resource(project, "volume", volume) }, ct).ConfigureAwait(false))
            .Volumes?.FirstOrDefault(v => naming.IsResource(project, volume, v.Name))?.Name ?? throw new BackupException($"project {project} has no '{volume}' volume here: is its stack up?");

    /// <summary>Creates the volume, or returns it when it exists.</summary>
    public async Task<string> CreateVolumeAsync(string name, CancellationToken ct) =>
        (await client.Volumes.CreateAsync(new VolumesCreateParameters { Name = name, Labels = new Dictionary<string, string> { [HelperLabel] = "stage" } }, ct).ConfigureAwait(false)).Name;

    /// <summary>Removes the volume; one that does not exist is no error.</summary>
    public async Task RemoveVolumeAsync(string name)
    {
        try
        {
            await client.Volumes.RemoveAsync(name, force: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    /// <summary>Writes one small file (mode 0644) into a volume without running anything: a container of
    /// <paramref name="image"/> is created with the volume mounted, never started, takes the file through the engine's
    /// archive API, and is removed.</summary>
    public async Task WriteFileToVolumeAsync(string image, string volume, string fileName, string text, CancellationToken ct)
    {
        var created = await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = image,
            Labels = new Dictionary<string, string> { [HelperLabel] = "record" },
            HostConfig = new HostConfig { Binds = [$"{volume}:/records"], NetworkMode = "none", CapDrop = ["ALL"], ReadonlyRootfs = true },
        }, CancellationToken.None).ConfigureAwait(false);
        try
        {
            var tar = new MemoryStream();
            using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
            {
                var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, fileName) { Mode = mode, DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)) });
            }

            tar.Position = 0;
            await client.Containers.ExtractArchiveToContainerAsync(created.ID, new CopyToContainerParameters { Path = "/records" }, tar, ct).ConfigureAwait(false);
        }
        finally
        {
            await client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None).ConfigureAwait(false);
        }
    }

    public Task StopAsync(string id, CancellationToken ct) => containers.StopAsync(id, 30, ct);

    public Task StartAsync(string id, CancellationToken ct) => containers.StartAsync(id, ct);

    public Task RemoveAsync(string id, CancellationToken ct) => containers.RemoveAsync(id, ct);

    public Task<long> RunToExitAsync(string id, CancellationToken ct) => containers.RunToExitAsync(id, ct);

    public async Task<string> ImageIdAsync(string containerId, CancellationToken ct) =>
        (await containers.InspectAsync(containerId, ct).ConfigureAwait(false)).Image;

    public async Task<bool> HasImageAsync(string reference, CancellationToken ct) =>
        await containers.InspectImageAsync(reference, ct).ConfigureAwait(false) != null;

    /// <summary>Runs one helper container to its end, handing each line of its output to <paramref name="onLine"/>;
    /// the container is removed in every case, Ctrl-C included.</summary>
    public async Task<HelperResult> RunHelperAsync(HelperRun run, Action<string> onLine, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        // Not cancellable: a create cancelled in flight still creates the container, and we would never learn its id
        // to remove it. It takes milliseconds; everything after it is cancellable and removes it in every case.
        var created = await client.Containers.CreateContainerAsync(HelperContainer(run), CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (run.Secrets.Count > 0)
                await client.Containers.ExtractArchiveToContainerAsync(created.ID, new CopyToContainerParameters { Path = SecretsPath }, SecretsTar(run.Secrets), ct).ConfigureAwait(false);
            await client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), ct).ConfigureAwait(false);
            var lines = new List<string>();
            using var output = await client.Containers.GetContainerLogsAsync(created.ID, new ContainerLogsParameters { Follow = true, ShowStdout = true, ShowStderr = true }, ct).ConfigureAwait(false);
            var (_, stderr) = await EngineStreams.ReadAsync(output, line => { lines.Add(line); onLine(line); }, ct).ConfigureAwait(false);
            var exit = await client.Containers.WaitContainerAsync(created.ID, ct).ConfigureAwait(false);
            return new HelperResult(exit.StatusCode, lines, stderr);
        }
        finally
        {
            await client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static MemoryStream SecretsTar(IReadOnlyDictionary<string, string> secrets)
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (name, value) in secrets)
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(value);
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { Mode = UnixFileMode.UserRead, DataStream = new MemoryStream(bytes) });
            }
        }

        tar.Position = 0;
        return tar;
    }

    public void Dispose() => containers.Dispose();
}
