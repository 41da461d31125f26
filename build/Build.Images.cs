using Mlstack.Build.Doctor;
using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Images;
using Mlstack.Build.Stack;

namespace Mlstack.Build;

internal sealed partial class Build
{
    [Parameter("Image every Dockerfile starts FROM; made with debootstrap when it cannot be pulled", Name = "BaseImage")]
    private readonly string BaseImageName = "debian:bookworm-slim";

    [Parameter("How many images build at once")]
    private readonly int Parallel = 2;

    [Parameter("Images whose inline cache BuildKit may reuse (e.g. from a previous CI run)")]
    private readonly string[] CacheFrom = [];

    [Parameter("CA certificates (PEM file or folder) that https downloads in builds trust; default: NODE_EXTRA_CA_CERTS or SSL_CERT_FILE")]
    private readonly string? ExtraCaCerts;

    private Task<GitRevision>? revision;
    private Task<string>? baseImageId;
    private Task<IReadOnlyList<BuiltImage>>? images;

    private Task<GitRevision> RevisionAsync(CancellationToken ct) => revision ??= GitRevision.ReadAsync(RootDirectory, Log, ct);

    private Task<string> BaseImageIdAsync(CancellationToken ct) => baseImageId ??= EnsureBaseImageAsync(ct);

    Target BaseImage => _ => _
        .Description("Makes the base image available: present, pulled, or built with debootstrap and imported")
        .DependsOn(Doctor)
        .After(StackConfig)
        .Executes(BaseImageIdAsync);

    Target Images => _ => _
        .Description("Builds every image compose.yaml declares with build: (and the backup helper), through the Engine API with BuildKit")
        .DependsOn(BaseImage, StackConfig)
        .Executes(async ct =>
        {
            images ??= ImagesAsync(ImageSetBuilder.BuildAllAsync, ct);
            var built = await images;
            Log.Info($"Images: {built.Count(b => !b.Reused)} built, {built.Count(b => b.Reused)} up to date, tag {(await RevisionAsync(ct)).Tag}");
            await ReportImageSizesAsync(built, ct);
        });

    private async Task ReportImageSizesAsync(IReadOnlyList<BuiltImage> built, CancellationToken ct)
    {
        using var engine = new ImageEngine(await LocalEngineAsync(ct));
        await ImageSizes.ReportAsync(engine, built, RootDirectory, Path.Combine(TemporaryDirectory, ImageSizeRecord.FileName), (await RevisionAsync(ct)).Tag, Log, ct);
    }

    /// <summary>The stack's images: what Images built in this run, else the ones the engine already holds for this
    /// checkout's contexts (Images skipped) — never an image of other sources.</summary>
    private Task<IReadOnlyList<BuiltImage>> StackImagesAsync(CancellationToken ct) =>
        images ??= ImagesAsync(ImageSetBuilder.FindAllAsync, ct);

    /// <summary>The backup helper's image: what Images built in this run, else the engine's for its context alone
    /// (hashing every image's context only to pick this one cost each Backup with Images skipped ~0.3 s).</summary>
    private async Task<string> BackupImageAsync(CancellationToken ct) =>
        (await (images ?? ImagesAsync(ImageSetBuilder.FindAllAsync, ct, [BackupImageSpec]))).Single(i => i.Spec.Repository == BackupImageSpec.Repository).Reference;

    /// <param name="specs">Default: every image of compose.yaml, and the backup helper.</param>
    private async Task<IReadOnlyList<BuiltImage>> ImagesAsync(ImageSetBuilder.Operation operation, CancellationToken ct, IReadOnlyList<ImageSpec>? specs = null)
    {
        var model = await StackModelAsync(ct);
        var options = new ImageBuildOptions(await RevisionAsync(ct), CaCertificates.Find(ExtraCaCerts), CacheFrom, Parallel, await BaseImageIdAsync(ct));
        using var engine = new ImageEngine(await LocalEngineAsync(ct));
        return await operation(engine, specs ?? [.. ImageSpec.FromCompose(model), BackupImageSpec], options, Log, ct);
    }

    /// <summary>The backup helper (docker/backup): no service of the stack, started by Backup, VerifyBackup and Restore.</summary>
    private ImageSpec BackupImageSpec => ImageSpec.Helper(RootDirectory, "backup", BaseImageName);

    private async Task<string> EnsureBaseImageAsync(CancellationToken ct)
    {
        using var engine = new ImageEngine(await LocalEngineAsync(ct));
        return await BaseImageProvider.EnsureAsync(engine, BaseImageName, TemporaryDirectory, Log, ct);
    }
}
