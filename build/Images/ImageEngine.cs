using Docker.DotNet;
using Docker.DotNet.Models;
using Mlstack.Build.Engine;

namespace Mlstack.Build.Images;

/// <summary>Everything the Images module asks of the Docker Engine, in one place.</summary>
public sealed class ImageEngine(DockerClient client) : IDisposable
{
    private readonly EngineContainers engine = new(client);

    /// <summary>The image, or null when the engine does not have it.</summary>
    public Task<ImageInspectResponse?> InspectAsync(string reference, CancellationToken ct) => engine.InspectImageAsync(reference, ct);

    /// <summary>The newest image carrying this label value, if any.</summary>
    /// <summary>The newest image of <paramref name="repository"/> with this label. Only images tagged in that
    /// repository count: an image built FROM it (a user's experiment, a test's variant, or the untagged intermediate
    /// step of such a build) inherits its labels, and being newer it would otherwise be taken for it.</summary>
    public async Task<ImagesListResponse?> FindByLabelAsync(string label, string value, string repository, CancellationToken ct)
    {
        var images = await client.Images.ListImagesAsync(new ImagesListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{label}={value}"] = true } },
        }, ct).ConfigureAwait(false);
        return images.Where(i => (i.RepoTags ?? []).Any(t => t.StartsWith(repository + ":", StringComparison.Ordinal)))
            .OrderByDescending(i => i.Created).FirstOrDefault();
    }

    /// <summary>The image's history, newest step first, as the engine lists it.</summary>
    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(string reference, CancellationToken ct)
    {
        var history = await client.Images.GetImageHistoryAsync(reference, ct).ConfigureAwait(false);
        return [.. history.Select(h => new HistoryEntry(h.CreatedBy ?? string.Empty, h.Created, h.Size))];
    }

    public Task TagAsync(string imageId, string repository, string tag, CancellationToken ct) =>
        client.Images.TagImageAsync(imageId, new ImageTagParameters { RepositoryName = repository, Tag = tag }, ct);

    /// <summary>The raw JSON-lines stream of POST /build; finished when read to the end.</summary>
#pragma warning disable CS0618 // the typed-progress overload cannot carry BuildKit's base64 trace (aux is a string there)
    public Task<Stream> BuildAsync(Stream context, ImageBuildParameters parameters, CancellationToken ct) =>
        client.Images.BuildImageFromDockerfileAsync(context, parameters, ct);
#pragma warning restore CS0618

    /// <summary>Tries a registry pull; false when there is no registry to reach (the usual case here).</summary>
    public async Task<bool> TryPullAsync(string repository, string tag, TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = repository, Tag = tag }, null, new Progress<JSONMessage>(), limit.Token).ConfigureAwait(false);
            return await InspectAsync($"{repository}:{tag}", ct).ConfigureAwait(false) != null;
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <summary>docker import: a root filesystem tar becomes an image.</summary>
    /// <param name="changes">Dockerfile instructions applied to the image, as docker import --change.</param>
    public Task ImportAsync(Stream rootfsTar, string repository, string tag, IList<string> changes, CancellationToken ct) =>
        client.Images.CreateImageAsync(new ImagesCreateParameters { FromSrc = "-", Repo = repository, Tag = tag, Changes = changes }, rootfsTar, null, new Progress<JSONMessage>(), ct);

    public void Dispose() => engine.Dispose();
}
