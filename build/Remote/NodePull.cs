using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Core;

namespace Mlstack.Build.Remote;

/// <summary>An image in the loopback registry, pushed once for every node that lacks it: its layers (digest,
/// compressed size) are what a node that has none of them pulls.</summary>
internal sealed record PushedImage(LocalImage Image, IReadOnlyList<(string Digest, long Size)> Layers, TimeSpan PushTime);

/// <summary>One node's half of a shipment, on its own SSH session and engine. Before anything moves: which images it
/// has by id, and room for the rest. Once the images are in the loopback registry: a remote forward of the registry's
/// port on this node's session (so its engine sees the registry as its own <c>localhost:PORT</c>), a pull of each
/// image it lacks, the image tagged under its real name (restarts and rollbacks never need the tunnel), the registry
/// name removed and the id verified.</summary>
internal sealed class NodePull(SshSession node, string? name) : IDisposable
{
    /// <summary>How long a pull may go without a progress message from the engine before it is given up and tried again.</summary>
    public static readonly TimeSpan StallLimit = TimeSpan.FromMinutes(2);

    private readonly DockerClient _engine = node.OpenEngine();

    public SshSession Session => node;

    /// <summary>Null for the one VM of a one-VM deploy, whose lines keep saying "the VM"; a node's host on a cluster.</summary>
    public string? Name => name;

    private string Where => name ?? "the VM";

    private string Whose => name == null ? "the VM's" : $"{name}'s";

    /// <summary>The id this node has under each image's name, and room checked for those it lacks.</summary>
    public Task<IReadOnlyDictionary<string, string>> CheckAsync(IReadOnlyList<LocalImage> images, CancellationToken ct) =>
        NamedAsync("checking which images it has", async () =>
        {
            var ids = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var image in images)
            {
                if (await ImageShipper.InspectAsync(_engine, image.Reference.ToString(), ct).ConfigureAwait(false) is { } onNode)
                    ids[image.Reference.ToString()] = onNode.ID;
            }

            if (ShipmentPlan.LackingOn(images, ids) is { Count: > 0 } lacking)
                await RemoteDisk.EnsureRoomAsync(node, _engine, lacking.Sum(i => i.Size), ct).ConfigureAwait(false);
            return (IReadOnlyDictionary<string, string>)ids;
        }, ct);

    /// <summary>Pulls the images this node lacks through its own forward of the registry's port, one after another.</summary>
    public async Task<IReadOnlyList<ShippedImage>> PullAsync(LocalRegistry registry, IReadOnlyList<PushedImage> images, BuildLog log, CancellationToken ct)
    {
        if (images.Count == 0)
            return [];
        using var tunnel = node.ForwardRemotePort(registry.Port, "127.0.0.1", registry.Port);
        var shipped = new List<ShippedImage>();
        foreach (var image in images)
            shipped.Add(await NamedAsync($"shipping {image.Image.Reference}", () => PullOneAsync(registry, image, log, ct), ct).ConfigureAwait(false));
        return shipped;
    }

    private async Task<ShippedImage> PullOneAsync(LocalRegistry registry, PushedImage image, BuildLog log, CancellationToken ct)
    {
        var (reference, imageId) = (image.Image.Reference, image.Image.Id);
        var viaRegistry = $"{registry.Host}/{reference.Path}";
        var present = new HashSet<string>(StringComparer.Ordinal);
        var arrived = new HashSet<string>(StringComparer.Ordinal); // a second try finds these "already there"
        var pull = Stopwatch.StartNew();
        await StallGuard.RunAsync(
            (progress, token) => _engine.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = viaRegistry, Tag = reference.Tag }, new AuthConfig(), progress, token),
            m =>
            {
                if (m.Status == "Already exists" && m.ID != null)
                    present.Add(m.ID);
                if (m.Status == "Pull complete" && m.ID != null)
                    arrived.Add(m.ID);
                log.Debug($"Deploy: pull {reference}{(name == null ? "" : $" on {name}")}: {ImageShipper.Describe(m)}");
            },
            StallLimit, $"Deploy: {Whose} pull of {reference} through the SSH tunnel", log.Warn, ct).ConfigureAwait(false);
        present.ExceptWith(arrived);
        try
        {
            await _engine.Images.TagImageAsync($"{viaRegistry}:{reference.Tag}", new ImageTagParameters { RepositoryName = reference.Repository, Tag = reference.Tag }, ct).ConfigureAwait(false);
        }
        finally
        {
            await ImageShipper.UntagAsync(_engine, $"{viaRegistry}:{reference.Tag}").ConfigureAwait(false);
        }

        var onNode = await ImageShipper.InspectAsync(_engine, reference.ToString(), ct).ConfigureAwait(false);
        if (onNode?.ID != imageId)
            throw new ImageShipException($"After the pull {Whose} {reference} is {onNode?.ID ?? "missing"}, not {imageId}.");
        var moved = image.Layers.Where(l => !present.Contains(RegistryManifest.ShortId(l.Digest))).ToList();
        var result = new ShippedImage(reference.ToString(), imageId, moved.Sum(l => l.Size), moved.Count, image.Layers.Count - moved.Count, image.PushTime + pull.Elapsed);
        var rate = $"pull {pull.Elapsed.TotalSeconds:0.0} s ({Bytes.Format((long)(result.BytesMoved / Math.Max(pull.Elapsed.TotalSeconds, 0.001)))}/s)";
        // A cluster's push is one for every node and has its own line; the one VM's line keeps its push time.
        log.Info(name == null
            ? $"Deploy: shipped {reference} ({ImageShipper.ShortId(imageId)}): {Bytes.Format(result.BytesMoved)} in {moved.Count} layer(s), {result.LayersPresent} already on the VM; {rate}, push {image.PushTime.TotalSeconds:0.0} s."
            : $"Deploy: shipped {reference} ({ImageShipper.ShortId(imageId)}) to {name}: {Bytes.Format(result.BytesMoved)} in {moved.Count} layer(s), {result.LayersPresent} already on the node; {rate}.");
        return result;
    }

    /// <summary>Names this node in what went wrong: a lost connection (asked of the connection itself, since SSH.NET
    /// notices late; the cure is to ship again: layers that arrived are not moved twice), a pull that stalled twice,
    /// or (on a cluster) the engine's or the transport's own error.</summary>
    private async Task<T> NamedAsync<T>(string during, Func<Task<T>> work, CancellationToken ct)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is not BuildInputException)
        {
            if (!await node.IsAliveAsync().ConfigureAwait(false))
            {
                throw new SshConnectionLostException(
                    $"The SSH connection to {node.Target} was lost while {during} ({(node.ConnectionError ?? e).Message.Split('\n')[0].TrimEnd('.')}); "
                    + $"ship again: layers that reached {Where} are not moved twice.", e);
            }

            if (e is TimeoutException)
                throw new ImageShipException(e.Message, e); // StallGuard's line names the node and the image
            if (name != null && e is ImageShipException or DockerApiException or IOException or HttpRequestException)
                throw new ImageShipException($"{name}: {during} failed: {e.Message.Split('\n')[0]}", e);
            throw;
        }
    }

    public void Dispose() => _engine.Dispose();

    public override string ToString() => Where;
}
