using Mlstack.Build.Core;
using System.Diagnostics;
using System.Text.Json;
using Docker.DotNet.Models;

namespace Mlstack.Build.Images;

/// <summary>A build that failed: which image, which step, and the step's last output lines.</summary>
public sealed class ImageBuildException(string image, string step, string error, IReadOnlyList<string> lastLines)
    : BuildFailure($"Image {image} failed at step '{step}': {error}")
{
    public string Image { get; } = image;
    public string Step { get; } = step;
    public IReadOnlyList<string> LastLines { get; } = lastLines;
}

/// <summary>Builds one image through the Engine API with BuildKit (version=2): shows each step as it starts,
/// keeps each step's last lines for the failure message.</summary>
public static class ImageBuilder
{
    private const int KeptLines = 20;

    public static async Task<string> BuildAsync(ImageEngine engine, ImageSpec spec, BuildContext context, ImageBuildParameters parameters, BuildLog log, CancellationToken ct)
    {
        var prefix = $"[{spec.ShortName}]";
        var steps = new Dictionary<string, BuildStep>();
        var lines = new Dictionary<string, Queue<string>>();
        string? imageId = null;
        string? error = null;

        await using var stream = await engine.BuildAsync(context.Tar, parameters, ct).ConfigureAwait(false);
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
                continue;
            using var message = JsonDocument.Parse(line);
            var root = message.RootElement;
            var id = root.TryGetProperty("id", out var idValue) ? idValue.GetString() : null;
            if (id == "moby.buildkit.trace" && root.TryGetProperty("aux", out var trace))
                Apply(BuildKitTrace.Decode(trace.GetString()!));
            else if (id == "moby.image.id" && root.TryGetProperty("aux", out var aux) && aux.TryGetProperty("ID", out var imageIdValue))
                imageId = imageIdValue.GetString();
            else if (root.TryGetProperty("error", out var errorValue))
                error = errorValue.GetString();
            else if (root.TryGetProperty("stream", out var text))
                log.Debug($"{prefix} {text.GetString()?.TrimEnd()}");
        }

        var failed = steps.Values.LastOrDefault(s => s.Error != null);
        if (error != null || failed != null || imageId == null)
        {
            var lastLines = failed != null && lines.TryGetValue(failed.Digest, out var kept) ? kept.ToList() : [];
            throw new ImageBuildException(spec.ShortName, failed?.Name ?? "(unknown)", error ?? failed?.Error ?? "the engine returned no image id", lastLines);
        }

        return imageId;

        void Apply((List<BuildStep> Steps, List<BuildLogLine> Logs) update)
        {
            foreach (var step in update.Steps)
            {
                var known = steps.TryGetValue(step.Digest, out var before);
                steps[step.Digest] = step;
                if (step.Name.StartsWith("[internal]", StringComparison.Ordinal))
                    continue;
                if (step.Cached && !(known && before!.Cached))
                    log.Debug($"{prefix} CACHED {step.Name}");
                else if (step.Started && !step.Completed && !(known && before!.Started))
                    log.Info($"{prefix} {step.Name}");
            }

            foreach (var entry in update.Logs)
            {
                var queue = lines.TryGetValue(entry.Digest, out var q) ? q : lines[entry.Digest] = new Queue<string>();
                foreach (var text in entry.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    queue.Enqueue(text.TrimEnd('\r'));
                    if (queue.Count > KeptLines)
                        queue.Dequeue();
                    log.Debug($"{prefix}   {text.TrimEnd('\r')}");
                }
            }
        }
    }
}
