using Mlstack.Build.Core;
using Mlstack.Build.Doctor;
using Mlstack.Build.Images;
using Mlstack.Build.Stack;

namespace Mlstack.Tests.Support;

/// <summary>This checkout's images the way Images sees them with default parameters: what compose.yaml builds (and
/// the backup helper), and the images the engine holds for exactly these sources (the Test target builds them before
/// the tiers run), found by context hash, so an image of another checkout or commit tagged latest is never measured.</summary>
internal static class CheckoutImages
{
    private static BuildLog Log => new(TextWriter.Null, new SecretMasker(), color: false);

    public static async Task<IReadOnlyList<ImageSpec>> SpecsAsync(CancellationToken ct)
    {
        var root = RepositoryRoot.Path;
        var cli = await ComposeProbe.FindAsync(Log, ct: ct);
        if (cli == null)
            Prerequisites.Missing("No Compose CLI; run ./build.sh Doctor first.");
        var project = ComposeProject.ForStack(root, "mlstack", StackEnvironment.Dev, EnvFile.Resolve(root, StackEnvironment.Dev), cli);
        var model = await ComposeConfigReader.ReadAsync(project, Log, new Dictionary<string, string> { ["BASE_IMAGE"] = FixtureImage.Name }, ct: ct);
        return [.. ImageSpec.FromCompose(model), ImageSpec.Helper(root, "backup", FixtureImage.Name)];
    }

    public static async Task<IReadOnlyList<BuiltImage>> FindAsync(ImageEngine engine, CancellationToken ct)
    {
        var baseImage = await engine.InspectAsync(FixtureImage.Name, ct);
        if (baseImage == null)
            Prerequisites.Missing($"No {FixtureImage.Name} in the engine; run ./build.sh Images first.");
        var options = new ImageBuildOptions(await GitRevision.ReadAsync(RepositoryRoot.Path, Log, ct), CaCertificates.Find(null), [], 1, baseImage.ID);
        try
        {
            return await ImageSetBuilder.FindAllAsync(engine, await SpecsAsync(ct), options, Log, ct);
        }
        catch (BuildInputException e)
        {
            Prerequisites.Missing(e.Message); // this checkout's images are not built: Images did not run
            throw;
        }
    }
}
