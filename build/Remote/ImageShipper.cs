using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Core;

namespace Mlstack.Build.Remote;

/// <summary>What moving one image to the VM cost: bytes are the compressed layers the VM did not have.</summary>
public sealed record ShippedImage(string Image, string ImageId, long BytesMoved, int LayersMoved, int LayersPresent, TimeSpan Elapsed)
{
    public double BytesPerSecond => Elapsed > TimeSpan.Zero ? BytesMoved / Elapsed.TotalSeconds : 0;
}

/// <summary>Moves local images to the VM with only the layers it lacks and no registry anywhere (as Kamal does):
/// a throwaway <c>docker-registry</c> on this machine's loopback, a remote forward that makes it the VM's
/// <c>localhost:PORT</c>, a pull by the VM's engine, then the image is tagged on the VM under its local name (restarts
/// and rollbacks never need the tunnel) and the registry tag removed on both sides.</summary>
public static class ImageShipper
{
    /// <summary>How long a push or pull may go without a progress message from the engine (it sends several a second
    /// while layers move or unpack) before it is given up and tried again.</summary>
    private static readonly TimeSpan StallLimit = TimeSpan.FromMinutes(2);

    /// <param name="registryStorage">A folder the loopback registry keeps between runs (<see cref="RegistryCache"/>): the
    /// local engine then pushes only layers it has not pushed before. Null: a fresh registry, every layer pushed.</param>
    public static async Task<IReadOnlyList<ShippedImage>> ShipAsync(
        DockerClient local, SshSession vm, IReadOnlyList<string> images, BuildLog log, string? registryStorage = null, CancellationToken ct = default)
    {
        using var vmEngine = vm.OpenEngine();
        var wanted = new List<(ImageReference Reference, ImageInspectResponse Image)>();
        var shipped = new List<ShippedImage>();
        foreach (var image in images.Distinct())
        {
            var reference = ImageReference.Parse(image);
            var inspect = await InspectAsync(local, image, ct).ConfigureAwait(false)
                ?? throw new ImageShipException($"Image {image} is not in the local engine; build it first (./build.sh Images).");
            if ((await InspectAsync(vmEngine, image, ct).ConfigureAwait(false))?.ID == inspect.ID)
            {
                log.Info($"Deploy: {reference} is already on the VM ({ShortId(inspect.ID)}).");
                shipped.Add(new ShippedImage(reference.ToString(), inspect.ID, 0, 0, 0, TimeSpan.Zero));
            }
            else
            {
                wanted.Add((reference, inspect));
            }
        }

        if (wanted.Count == 0)
            return shipped;
        await RemoteDisk.EnsureRoomAsync(vm, vmEngine, wanted.Sum(w => w.Image.Size), ct).ConfigureAwait(false);
        using var registry = await LocalRegistry.StartAsync(registryStorage, log, ct).ConfigureAwait(false);
        using var tunnel = vm.ForwardRemotePort(registry.Port, "127.0.0.1", registry.Port);
        foreach (var (reference, image) in wanted)
        {
            try
            {
                shipped.Add(await ShipOneAsync(local, vmEngine, registry, reference, image.ID, log, ct).ConfigureAwait(false));
            }
            catch (Exception e) when (!vm.IsConnected && !ct.IsCancellationRequested)
            {
                throw new SshConnectionLostException(
                    $"The SSH connection to {vm.Target} was lost while shipping {reference} ({(vm.ConnectionError ?? e).Message.TrimEnd('.')}); "
                    + "ship again: layers that reached the VM are not moved twice.", e);
            }
        }

        return shipped;
    }

    private static async Task<ShippedImage> ShipOneAsync(DockerClient local, DockerClient vmEngine, LocalRegistry registry, ImageReference reference, string imageId, BuildLog log, CancellationToken ct)
    {
        var viaRegistry = $"{registry.Host}/{reference.Path}";
        var clock = Stopwatch.StartNew();
        await local.Images.TagImageAsync(imageId, new ImageTagParameters { RepositoryName = viaRegistry, Tag = reference.Tag }, ct).ConfigureAwait(false);
        try
        {
            await StallGuard.RunAsync(
                (progress, token) => local.Images.PushImageAsync(viaRegistry, new ImagePushParameters { Tag = reference.Tag }, new AuthConfig(), progress, token),
                m => log.Debug($"Deploy: push {reference}: {Describe(m)}"), StallLimit, $"Deploy: the push of {reference} to the loopback registry", log.Warn, ct).ConfigureAwait(false);
        }
        finally
        {
            await UntagAsync(local, $"{viaRegistry}:{reference.Tag}").ConfigureAwait(false);
        }

        var layers = await RegistryManifest.LayersAsync(registry.BaseAddress, reference.Path, reference.Tag, ct).ConfigureAwait(false);
        var pushed = clock.Elapsed;
        var present = new HashSet<string>(StringComparer.Ordinal);
        var arrived = new HashSet<string>(StringComparer.Ordinal); // a second try finds these "already there"
        var pull = Stopwatch.StartNew();
        await StallGuard.RunAsync(
            (progress, token) => vmEngine.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = viaRegistry, Tag = reference.Tag }, new AuthConfig(), progress, token),
            m =>
            {
                if (m.Status == "Already exists" && m.ID != null)
                    present.Add(m.ID);
                if (m.Status == "Pull complete" && m.ID != null)
                    arrived.Add(m.ID);
                log.Debug($"Deploy: pull {reference}: {Describe(m)}");
            },
            StallLimit, $"Deploy: the VM's pull of {reference} through the SSH tunnel", log.Warn, ct).ConfigureAwait(false);
        present.ExceptWith(arrived);
        try
        {
            await vmEngine.Images.TagImageAsync($"{viaRegistry}:{reference.Tag}", new ImageTagParameters { RepositoryName = reference.Repository, Tag = reference.Tag }, ct).ConfigureAwait(false);
        }
        finally
        {
            await UntagAsync(vmEngine, $"{viaRegistry}:{reference.Tag}").ConfigureAwait(false);
        }

        var onVm = await InspectAsync(vmEngine, reference.ToString(), ct).ConfigureAwait(false);
        if (onVm?.ID != imageId)
            throw new ImageShipException($"After the pull the VM's {reference} is {onVm?.ID ?? "missing"}, not {imageId}.");
        var moved = layers.Where(l => !present.Contains(RegistryManifest.ShortId(l.Digest))).ToList();
        var result = new ShippedImage(reference.ToString(), imageId, moved.Sum(l => l.Size), moved.Count, layers.Count - moved.Count, clock.Elapsed);
        log.Info($"Deploy: shipped {reference} ({ShortId(imageId)}): {Bytes.Format(result.BytesMoved)} in {moved.Count} layer(s), "
            + $"{result.LayersPresent} already on the VM; pull {pull.Elapsed.TotalSeconds:0.0} s ({Bytes.Format((long)(result.BytesMoved / Math.Max(pull.Elapsed.TotalSeconds, 0.001)))}/s), "
            + $"push {pushed.TotalSeconds:0.0} s.");
        return result;
    }

    private static async Task<ImageInspectResponse?> InspectAsync(DockerClient engine, string image, CancellationToken ct)
    {
        try
        {
            return await engine.Images.InspectImageAsync(image, ct).ConfigureAwait(false);
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Removes a tag only (the image keeps its other names); a failure here is not worth failing a deploy.</summary>
    private static async Task UntagAsync(DockerClient engine, string tag)
    {
        try
        {
            await engine.Images.DeleteImageAsync(tag, new ImageDeleteParameters { NoPrune = true }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DockerApiException)
        {
        }
    }

    private static string Describe(JSONMessage m) =>
        $"{m.ID} {m.Status}{(m.Progress is { Total: > 0 } p ? $" {Bytes.Format(p.Current ?? 0)} of {Bytes.Format(p.Total ?? 0)}" : "")}".Trim();

    private static string ShortId(string id) => id.Replace("sha256:", "", StringComparison.Ordinal)[..12];
}
