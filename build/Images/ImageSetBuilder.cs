using System.Diagnostics;
using Docker.DotNet.Models;
using Mlstack.Build.Host;

namespace Mlstack.Build.Images;

public sealed record ImageBuildOptions(GitRevision Revision, IReadOnlyList<string> CaFiles, IReadOnlyList<string> CacheFrom, int Parallel, string BaseImageId);

public sealed record BuiltImage(ImageSpec Spec, string ImageId, bool Reused, TimeSpan Duration);

/// <summary>Builds every image of the stack, independent ones in parallel (bounded). An image whose context hash
/// matches an image the engine already has is not rebuilt, only tagged: same content, same image id, so Up does
/// not recreate containers for a commit that did not touch them.</summary>
public static class ImageSetBuilder
{
    public const string ContextHashLabel = "mlstack.context-hash";

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
        var args = spec.Args.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}");
        var inputs = $"dockerfile={spec.Dockerfile};target={spec.Target};args={string.Join(',', args)};base={options.BaseImageId}";
        using var context = await BuildContext.CreateAsync(spec.Context, options.CaFiles, inputs, ct).ConfigureAwait(false);
        string[] tags = [options.Revision.Tag, "latest"];

        if (await engine.FindByLabelAsync(ContextHashLabel, context.Hash, ct).ConfigureAwait(false) is { } existing)
        {
            foreach (var tag in tags)
                await engine.TagAsync(existing, spec.Repository, tag, ct).ConfigureAwait(false);
            log.Info($"[{spec.ShortName}] up to date ({Short(existing)}), tagged {options.Revision.Tag}");
            return new BuiltImage(spec, existing, Reused: true, clock.Elapsed);
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
        return new BuiltImage(spec, imageId, Reused: false, clock.Elapsed);
    }

    private static string Short(string imageId) => imageId.Replace("sha256:", string.Empty, StringComparison.Ordinal)[..12];
}
