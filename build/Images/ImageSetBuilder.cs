using System.Diagnostics;
using Docker.DotNet.Models;
using Mlstack.Build.Core;

namespace Mlstack.Build.Images;

public sealed record ImageBuildOptions(GitRevision Revision, IReadOnlyList<string> CaFiles, IReadOnlyList<string> CacheFrom, int Parallel, string BaseImageId);

/// <param name="ContentTag">The tag compose runs it by: its context hash, so an image whose content did not change
/// keeps its reference across commits and compose recreates exactly the services whose image changed.</param>
public sealed record BuiltImage(ImageSpec Spec, string ImageId, bool Reused, TimeSpan Duration, string ContentTag)
{
    public string Reference => $"{Spec.Repository}:{ContentTag}";
}

/// <summary>Builds every image of the stack, independent ones in parallel (bounded). An image whose context hash
/// matches an image the engine already has is not rebuilt, only tagged: same content, same image id, so Up does
/// not recreate containers for a commit that did not touch them.</summary>
public static class ImageSetBuilder
{
    public const string ContextHashLabel = "mlstack.context-hash";

    public delegate Task<IReadOnlyList<BuiltImage>> Operation(ImageEngine engine, IReadOnlyList<ImageSpec> specs, ImageBuildOptions options, BuildLog log, CancellationToken ct);

    /// <summary>The images the engine already holds for these contexts, built by an earlier run; a missing one is an
    /// error naming it (Images was skipped, so nothing builds it).</summary>
    public static async Task<IReadOnlyList<BuiltImage>> FindAllAsync(ImageEngine engine, IReadOnlyList<ImageSpec> specs, ImageBuildOptions options, BuildLog log, CancellationToken ct)
    {
        var found = new List<BuiltImage>();
        foreach (var spec in specs)
        {
            using var context = await BuildContext.CreateAsync(spec.Context, options.CaFiles, Inputs(spec, options), ct).ConfigureAwait(false);
            var existing = await engine.FindByLabelAsync(ContextHashLabel, context.Hash, spec.Repository, ct).ConfigureAwait(false)
                ?? throw new BuildInputException($"Image {spec.Repository} for these sources is not in the engine; run ./build.sh Images (don't skip it).");
            found.Add(new BuiltImage(spec, existing.ID, Reused: true, TimeSpan.Zero, ContentTag(context.Hash)));
        }

        return found;
    }

    public static async Task<IReadOnlyList<BuiltImage>> BuildAllAsync(ImageEngine engine, IReadOnlyList<ImageSpec> specs, ImageBuildOptions options, BuildLog log, CancellationToken ct)
    {
        using var slots = new SemaphoreSlim(Math.Max(1, options.Parallel));
        var builds = specs.Select(async spec =>
        {
            await slots.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                return await BuildOneAsync(engine, spec, options, log, ct).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        }).ToList();

        try
        {
            return await Task.WhenAll(builds).ConfigureAwait(false);
        }
        catch (ImageBuildException)
        {
            var failures = builds.Where(b => b.IsFaulted).Select(b => b.Exception!.InnerException).OfType<ImageBuildException>().ToList();
            foreach (var failure in failures)
            {
                log.Error($"[{failure.Image}] failed at: {failure.Step}");
                foreach (var line in failure.LastLines)
                    log.Error($"[{failure.Image}]   {line}");
            }

            throw failures[0];
        }
    }

    private static async Task<BuiltImage> BuildOneAsync(ImageEngine engine, ImageSpec spec, ImageBuildOptions options, BuildLog log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var context = await BuildContext.CreateAsync(spec.Context, options.CaFiles, Inputs(spec, options), ct).ConfigureAwait(false);
        var contentTag = ContentTag(context.Hash);
        string[] tags = [contentTag, options.Revision.Tag, "latest"];

        if (await engine.FindByLabelAsync(ContextHashLabel, context.Hash, spec.Repository, ct).ConfigureAwait(false) is { } existing)
        {
            foreach (var tag in tags.Where(t => !existing.RepoTags.Contains($"{spec.Repository}:{t}")))
                await engine.TagAsync(existing.ID, spec.Repository, tag, ct).ConfigureAwait(false);
            log.Info($"[{spec.ShortName}] up to date ({Short(existing.ID)}), tagged {contentTag} and {options.Revision.Tag}");
            return new BuiltImage(spec, existing.ID, Reused: true, clock.Elapsed, contentTag);
        }

        log.Info($"[{spec.ShortName}] building {spec.Repository}:{options.Revision.Tag} (services: {string.Join(", ", spec.Services)})");
        var parameters = new ImageBuildParameters
        {
            Version = "2", // BuildKit: cache mounts, parallel stages
            Dockerfile = spec.Dockerfile,
            Target = spec.Target,
            Tags = [.. tags.Select(t => $"{spec.Repository}:{t}")],
            BuildArgs = new Dictionary<string, string>(spec.Args) { ["BUILDKIT_INLINE_CACHE"] = "1" },
            CacheFrom = [.. options.CacheFrom],
            Labels = new Dictionary<string, string>
            {
                ["org.opencontainers.image.title"] = spec.ShortName,
                ["org.opencontainers.image.revision"] = options.Revision.Sha,
                ["org.opencontainers.image.created"] = options.Revision.CommitTime.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
                ["org.opencontainers.image.source"] = options.Revision.Source,
                [ContextHashLabel] = context.Hash,
            },
            Remove = true,
            ForceRemove = true,
        };
        var imageId = await ImageBuilder.BuildAsync(engine, spec, context, parameters, log, ct).ConfigureAwait(false);
        log.Success($"[{spec.ShortName}] built {Short(imageId)} in {clock.Elapsed.TotalSeconds:0.0}s");
        return new BuiltImage(spec, imageId, Reused: false, clock.Elapsed, contentTag);
    }

    private static string Inputs(ImageSpec spec, ImageBuildOptions options)
    {
        var args = spec.Args.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}");
        return $"dockerfile={spec.Dockerfile};target={spec.Target};args={string.Join(',', args)};base={options.BaseImageId}";
    }

    private static string ContentTag(string contextHash) => $"c{contextHash[..12]}";

    private static string Short(string imageId) => imageId.Replace("sha256:", string.Empty, StringComparison.Ordinal)[..12];
}
