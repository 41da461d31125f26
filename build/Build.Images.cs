using Mlstack.Build.Doctor;
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

    [Parameter("Which environment's override and checks apply", Name = "Environment")]
    private readonly StackEnvironment StackEnvironmentName = StackEnvironment.Dev;

    [Parameter("Compose project name: a second copy of the stack (e.g. for tests) runs beside the first under another name")]
    private readonly string ProjectName = "mlstack";

    private string? BaseImageId;
    private GitRevision? Revision;

    Target BaseImage => _ => _
        .Description("Makes the base image available: present, pulled, or built with debootstrap and imported")
        .DependsOn(Doctor)
        .After(StackConfig)
        .Executes(async ct =>
        {
            using var engine = new ImageEngine(EngineProbe.Client(Docker!.Engine));
            BaseImageId = await BaseImageProvider.EnsureAsync(engine, BaseImageName, TemporaryDirectory, Log, ct);
        });

    Target Images => _ => _
        .Description("Builds every image compose.yaml declares with build:, through the Engine API with BuildKit")
        .DependsOn(BaseImage, StackConfig)
        .Executes(async ct =>
        {
            Revision = await GitRevision.ReadAsync(RootDirectory, Log, ct);
            var model = StackModel!;
            var options = new ImageBuildOptions(Revision, CaCertificates.Find(ExtraCaCerts), CacheFrom, Parallel, BaseImageId!);
            using var engine = new ImageEngine(EngineProbe.Client(Docker!.Engine));
            var built = await ImageSetBuilder.BuildAllAsync(engine, ImageSpec.FromCompose(model), options, Log, ct);
            Log.Info($"Images: {built.Count(b => !b.Reused)} built, {built.Count(b => b.Reused)} up to date, tag {Revision.Tag}");
        });

    /// <summary>The stack's compose project. Its passwords are masked from here on, like [Secret] parameters, in
    /// everything the build prints: compose's output, logs, smoke results.</summary>
    private ComposeProject StackProject() => stackProject ??= LoadStackProject();

    private ComposeProject? stackProject;

    private ComposeProject LoadStackProject()
    {
        var envFile = EnvFile.Resolve(RootDirectory, StackEnvironmentName);
        var settings = ProductionSecrets.Effective(envFile);
        foreach (var name in ProductionSecrets.PasswordVariables)
            Log.Masker.Add(settings.GetValueOrDefault(name));
        return ComposeProject.ForStack(RootDirectory, ProjectName, StackEnvironmentName, envFile, Docker!.Compose);
    }

    /// <summary>What compose interpolates besides the env file: the image tag this build made, and the base image.</summary>
    private Dictionary<string, string> ComposeEnvironment() => new()
    {
        ["MLSTACK_TAG"] = Revision?.Tag ?? "latest",
        ["BASE_IMAGE"] = BaseImageName,
    };
}
