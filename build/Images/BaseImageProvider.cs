using System.Diagnostics;
using Mlstack.Build.Core;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Images;

/// <summary>Makes the base image every Dockerfile starts FROM available: the engine's copy, else a registry pull,
/// else a Debian root filesystem made with debootstrap and imported — so the stack builds with no registry at all.</summary>
public static class BaseImageProvider
{
    public static async Task<string> EnsureAsync(ImageEngine engine, string image, string temporaryDirectory, BuildLog log, CancellationToken ct)
    {
        var (repository, tag) = Split(image);
        var present = await engine.InspectAsync(image, ct).ConfigureAwait(false);
        if (present != null && !IsOlderRecipe(present))
        {
            log.Info($"BaseImage: {image} is already in the engine ({present.ID[7..19]}).");
            return present.ID;
        }

        log.Info(present == null
            ? $"BaseImage: {image} is not in the engine; trying to pull it."
            : $"BaseImage: {image} in the engine was made by an earlier recipe of this build (with docs and locales); trying to pull it, else making it again.");
        if (await engine.TryPullAsync(repository, tag, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false))
        {
            log.Info($"BaseImage: pulled {image}.");
            return (await engine.InspectAsync(image, ct).ConfigureAwait(false))!.ID;
        }

        var suite = Suite(repository, tag) ?? throw new BuildInputException(
            $"Base image {image} is not in the engine and cannot be pulled; debootstrap can only make Debian images (debian:<suite>[-slim]). Load it with 'docker load' or set --base-image.");
        log.Info($"BaseImage: no registry; building {image} with debootstrap ({suite}, minbase).");
        await BootstrapAsync(engine, suite, repository, tag, temporaryDirectory, log, ct).ConfigureAwait(false);
        return (await engine.InspectAsync(image, ct).ConfigureAwait(false))?.ID
            ?? throw new BaseImageException($"Importing {image} finished but the engine does not have it.");
    }

    private const string RecipeLabel = "io.mlstack.base-recipe";

    /// <summary>A base this provider imported with an earlier recipe (before the slim one): made again, so every image
    /// built on it loses the docs and locales too. An image pulled or loaded by the user is never replaced.</summary>
    private static bool IsOlderRecipe(Docker.DotNet.Models.ImageInspectResponse image) =>
        image.Comment == "Imported from -" && (image.Config?.Labels is not { } labels || !labels.TryGetValue(RecipeLabel, out var recipe) || recipe != SlimRootfs.Recipe);

    private static async Task BootstrapAsync(ImageEngine engine, string suite, string repository, string tag, string temporaryDirectory, BuildLog log, CancellationToken ct)
    {
        var rootfs = Path.Combine(temporaryDirectory, $"rootfs-{suite}");
        if (Directory.Exists(rootfs))
            Directory.Delete(rootfs, recursive: true);
        try
        {
            var clock = Stopwatch.StartNew();
            await EnsureDebootstrapAsync(log, ct).ConfigureAwait(false);
            await ToolRunner.RunCheckedAsync("debootstrap", ["--variant=minbase", suite, rootfs, "http://deb.debian.org/debian"], log, Verbosity.Verbose, ct: ct).ConfigureAwait(false);
            SlimRootfs.Apply(rootfs);

            log.Info($"BaseImage: debootstrap took {clock.Elapsed.TotalSeconds:0}s; importing.");
            var tar = new ProcessStartInfo("tar", ["-C", rootfs, "--numeric-owner", "-c", "."]) { RedirectStandardOutput = true };
            using var process = Process.Start(tar)!;
            await engine.ImportAsync(process.StandardOutput.BaseStream, repository, tag, [$"LABEL {RecipeLabel}={SlimRootfs.Recipe}"], ct).ConfigureAwait(false);
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
            log.Success($"BaseImage: imported {repository}:{tag}.");
        }
        finally
        {
            if (Directory.Exists(rootfs))
                await ToolRunner.RunAsync("rm", ["-rf", rootfs], log, Verbosity.Verbose, ct: CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>As Doctor installs Docker: as root on Debian/Ubuntu, from the distribution; elsewhere, say what to do.</summary>
    private static async Task EnsureDebootstrapAsync(BuildLog log, CancellationToken ct)
    {
        if (ToolRunner.IsOnPath("debootstrap"))
            return;
        if (!DebianPackages.CanInstall)
            throw new BuildInputException("debootstrap is not installed; install it (Debian/Ubuntu: apt-get install debootstrap) or load the base image with 'docker load', then run again.");
        await DebianPackages.InstallAsync("BaseImage", ["debootstrap"], log, ct).ConfigureAwait(false);
    }

    private static (string Repository, string Tag) Split(string image)
    {
        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    /// <summary>debian:bookworm-slim → bookworm; anything not Debian → null.</summary>
    private static string? Suite(string repository, string tag) =>
        repository.Split('/')[^1] == "debian" && tag.Split('-')[0] is { Length: > 0 } suite && suite.All(char.IsLetter) ? suite : null;
}
