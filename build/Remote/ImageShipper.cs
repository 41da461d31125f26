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

/// <summary>What one node of a cluster received (every image asked for, those it already had with 0 bytes moved).</summary>
public sealed record NodeShipment(SshTarget Node, IReadOnlyList<ShippedImage> Images);

/// <summary>Moves local images to the VM (or to every node of a cluster) with only the layers it lacks and no registry
/// anywhere (as Kamal does): a throwaway <c>docker-registry</c> on this machine's loopback, pushed to once; then per
/// node a remote forward that makes it the node's <c>localhost:PORT</c> and a pull by the node's engine
/// (<see cref="NodePull"/>), the image tagged there under its local name and the registry tag removed on both sides.</summary>
public static class ImageShipper
{
    /// <param name="registryStorage">A folder the loopback registry keeps between runs (<see cref="RegistryCache"/>): the
    /// local engine then pushes only layers it has not pushed before. Null: a fresh registry, every layer pushed.</param>
    public static async Task<IReadOnlyList<ShippedImage>> ShipAsync(
        DockerClient local, SshSession vm, IReadOnlyList<string> images, BuildLog log, string? registryStorage = null, CancellationToken ct = default)
    {
        using var node = new NodePull(vm, name: null);
        return (await ShipAsync(local, [node], images, log, registryStorage, parallel: 1, ct).ConfigureAwait(false))[0].Images;
    }

    /// <summary>Every image to every node: which node has which image is checked by id, and each node's disk, before
    /// anything moves; an image any node lacks is pushed once; then at most <paramref name="parallel"/> nodes pull at
    /// once, each through a forward on its own SSH session. A node whose connection drops or whose pull stalls fails
    /// the shipment naming it, once the others are done (what they received stays: shipping again moves only the rest).</summary>
    /// <returns>Per node, in the order given, what it received.</returns>
    public static async Task<IReadOnlyList<NodeShipment>> ShipToNodesAsync(
        DockerClient local, IReadOnlyList<SshSession> nodes, IReadOnlyList<string> images, BuildLog log, string? registryStorage = null, int parallel = 3, CancellationToken ct = default)
    {
        var pulls = nodes.Select(n => new NodePull(n, n.Target.Host)).ToList();
        try
        {
            return await ShipAsync(local, pulls, images, log, registryStorage, parallel, ct).ConfigureAwait(false);
        }
        finally
        {
            pulls.ForEach(p => p.Dispose());
        }
    }

    private static async Task<IReadOnlyList<NodeShipment>> ShipAsync(
        DockerClient local, List<NodePull> nodes, IReadOnlyList<string> images, BuildLog log, string? registryStorage, int parallel, CancellationToken ct)
    {
        var wanted = new List<LocalImage>();
        foreach (var image in images)
        {
            var reference = ImageReference.Parse(image);
            if (wanted.Any(w => w.Reference == reference))
                continue; // one image asked for twice, perhaps once without ":latest"
            var inspect = await InspectAsync(local, image, ct).ConfigureAwait(false)
                ?? throw new ImageShipException($"Image {image} is not in the local engine; build it first (./build.sh Images).");
            wanted.Add(new LocalImage(reference, inspect.ID, inspect.Size));
        }

        var plan = ShipmentPlan.Of(wanted, await NodeFanOut.RunAsync(nodes, parallel, (node, _) => node.CheckAsync(wanted, ct), log.Warn, ct).ConfigureAwait(false));
        var shipped = nodes.Select(_ => new Dictionary<LocalImage, ShippedImage>()).ToList();
        for (var n = 0; n < nodes.Count; n++)
        {
            foreach (var image in wanted.Except(plan.Lacking[n]))
            {
                log.Info($"Deploy: {image.Reference} is already on {nodes[n]} ({ShortId(image.Id)}).");
                shipped[n][image] = new ShippedImage(image.Reference.ToString(), image.Id, 0, 0, 0, TimeSpan.Zero);
            }
        }

        if (plan.ToPush.Count > 0)
        {
            using var registry = await LocalRegistry.StartAsync(registryStorage, log, ct).ConfigureAwait(false);
            var pushed = new List<PushedImage>();
            foreach (var image in plan.ToPush)
                pushed.Add(await PushAsync(local, registry, image, plan.NodesLacking(image), log, ct).ConfigureAwait(false));
            var received = await NodeFanOut.RunAsync(nodes, parallel,
                (node, n) => node.PullAsync(registry, [.. pushed.Where(p => plan.Lacking[n].Contains(p.Image))], log, ct), log.Warn, ct).ConfigureAwait(false);
            for (var n = 0; n < nodes.Count; n++)
            {
                foreach (var result in received[n])
                    shipped[n][plan.Lacking[n].Single(i => i.Reference.ToString() == result.Image)] = result;
            }
        }

        return [.. nodes.Select((node, n) => new NodeShipment(node.Session.Target, [.. wanted.Select(image => shipped[n][image])]))];
    }

    /// <summary>The push half: the image into the loopback registry, once, whatever number of nodes pull it.</summary>
    private static async Task<PushedImage> PushAsync(DockerClient local, LocalRegistry registry, LocalImage image, int nodesLacking, BuildLog log, CancellationToken ct)
    {
        var reference = image.Reference;
        var viaRegistry = $"{registry.Host}/{reference.Path}";
        var clock = Stopwatch.StartNew();
        await local.Images.TagImageAsync(image.Id, new ImageTagParameters { RepositoryName = viaRegistry, Tag = reference.Tag }, ct).ConfigureAwait(false);
        try
        {
            await StallGuard.RunAsync(
                (progress, token) => local.Images.PushImageAsync(viaRegistry, new ImagePushParameters { Tag = reference.Tag }, new AuthConfig(), progress, token),
                m => log.Debug($"Deploy: push {reference}: {Describe(m)}"), NodePull.StallLimit, $"Deploy: the push of {reference} to the loopback registry", log.Warn, ct).ConfigureAwait(false);
        }
        catch (TimeoutException e) when (!ct.IsCancellationRequested)
        {
            throw new ImageShipException(e.Message, e);
        }
        finally
        {
            await UntagAsync(local, $"{viaRegistry}:{reference.Tag}").ConfigureAwait(false);
        }

        var layers = await RegistryManifest.LayersAsync(registry.BaseAddress, reference.Path, reference.Tag, ct).ConfigureAwait(false);
        if (nodesLacking > 1)
            log.Info($"Deploy: pushed {reference} ({ShortId(image.Id)}) to the loopback registry once for {nodesLacking} nodes: {layers.Count} layer(s) ({Bytes.Format(layers.Sum(l => l.Size))} in all); push {clock.Elapsed.TotalSeconds:0.0} s.");
        return new PushedImage(image, layers, clock.Elapsed);
    }

    internal static async Task<ImageInspectResponse?> InspectAsync(DockerClient engine, string image, CancellationToken ct)
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
    internal static async Task UntagAsync(DockerClient engine, string tag)
    {
        try
        {
            await engine.Images.DeleteImageAsync(tag, new ImageDeleteParameters { NoPrune = true }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DockerApiException)
        {
        }
    }

    internal static string Describe(JSONMessage m) =>
        $"{m.ID} {m.Status}{(m.Progress is { Total: > 0 } p ? $" {Bytes.Format(p.Current ?? 0)} of {Bytes.Format(p.Total ?? 0)}" : "")}".Trim();

    internal static string ShortId(string id) => id.Replace("sha256:", "", StringComparison.Ordinal)[..12];
}
