using Mlstack.Build.Core;
using Mlstack.Build.Stack;

namespace Mlstack.Build;

/// <summary>What the stack's targets share — its compose project, its resolved config, what compose interpolates —
/// computed on first use by whichever target needs it, so no target depends on another having run (--skip works).</summary>
internal sealed partial class Build
{
    private Task<ComposeProject>? stackProject;
    private Task<ComposeModel>? stackModel;
    private Dictionary<string, string>? secretVariables;

    /// <summary>Where the stack runs: on the VM --host names (over SSH), else on this machine. The one place the build
    /// asks; the backup site factory and the environment's default follow it.</summary>
    private bool StackOnVm => DeployHost != null;

    /// <summary>The stack's compose project. Its passwords are masked from here on, like [Secret] parameters, in
    /// everything the build prints: compose's output, logs, smoke results.</summary>
    private Task<ComposeProject> StackProjectAsync(CancellationToken ct) => stackProject ??= LoadStackProjectAsync(ct);

    /// <summary>The resolved compose config; in prod, only after the passwords passed their check.</summary>
    private Task<ComposeModel> StackModelAsync(CancellationToken ct) => stackModel ??= ReadStackModelAsync(ct);

    private async Task<ComposeProject> LoadStackProjectAsync(CancellationToken ct)
    {
        var envFile = StackEnvFilePath();
        var settings = ProductionSecrets.Effective(envFile);
        foreach (var name in ProductionSecrets.PasswordVariables)
            Log.Masker.Add(settings.GetValueOrDefault(name));
        foreach (var secret in StackSecrets.From(settings))
            Log.Masker.Add(secret.Content); // the passwords derived from them too
        return ComposeProject.ForStack(RootDirectory, ProjectName, StackEnvironmentName, envFile, (await DockerAsync(ct)).Compose);
    }

    private async Task<ComposeModel> ReadStackModelAsync(CancellationToken ct)
    {
        var project = await StackProjectAsync(ct);
        if (StackEnvironmentName == StackEnvironment.Prod)
            ProductionSecrets.Check(ProductionSecrets.Effective(project.EnvFile), EnvFile.Read(Path.Combine(RootDirectory, "stack", ".env.example")));
        if (StackEnvironmentName == StackEnvironment.Prod && InvokedTargetNames.Any(t => t is "Up" or "Deploy"))
            _ = EdgeTls; // refuses prod without HTTPS before Images builds anything
        if (ClusterInventoryFile != null && InvokedTargetNames.Contains("Deploy") && EdgeTls is EdgeTlsMode.Certificate or EdgeTlsMode.SelfSigned)
            throw new BuildInputException("Deploy --cluster: HTTPS at the edge is not carried to a swarm yet (its key would have to reach every node as a Swarm secret); end TLS at a load balancer in front of the nodes (--tls-at-load-balancer), or deploy to one VM (--host).");
        return await ComposeConfigReader.ReadAsync(project, Log, ComposeEnvironment(), new Tooling.ToolOutputCache(Path.Combine(TemporaryDirectory, "cache")), ct);
    }

    /// <summary>What compose interpolates besides the env file: the base image (images are named by Up), --private-api,
    /// on this machine where each secret's file is (written here first; a stack on a VM gets them from Deploy), and in
    /// prod the edge's HTTPS settings (Build.Https.cs).</summary>
    private Dictionary<string, string> ComposeEnvironment()
    {
        var environment = new Dictionary<string, string>(secretVariables ??= SecretVariables());
        foreach (var (variable, value) in EdgeTlsComposeVariables())
            environment[variable] = value;
        environment["BASE_IMAGE"] = BaseImageName;
        return WithPrivateApi(environment);
    }

    /// <summary>Each secret file's compose variable, once per run (every compose call of the run needs them): written
    /// here on this machine; for a VM, the files are Deploy's to write there (ReleaseSecrets) and compose here only
    /// checks the stack's shape.</summary>
    private Dictionary<string, string> SecretVariables()
    {
        var secrets = StackSecrets.From(ProductionSecrets.Effective(StackEnvFilePath()));
        return StackOnVm || OperatingSystem.IsWindows()
            ? StackSecrets.Variables("/run/mlstack-secrets-are-written-on-the-vm", new byte[32], secrets, StackSecrets.RootGroup)
            : LocalSecretFiles.Write(Path.Combine(TemporaryDirectory, "secrets", ProjectName), secrets);
    }

    /// <summary>The worker tiers autoscale.yaml lets the autoscaler stop entirely (a release ships this same file).</summary>
    private IReadOnlySet<string> ScaleToZeroTiers() =>
        AutoscaleConfig.TiersThatMayScaleToZero(Path.Combine(RootDirectory, "stack", "config", "autoscale.yaml"));

    /// <summary>--stack-env (CI hands the env file over as one secret) goes to a file compose can read: owner-only from
    /// its creation, under .nuke/temp, rewritten by every run that is given it.</summary>
    private string WriteStackEnv()
    {
        var path = Path.Combine(TemporaryDirectory, "stack.env");
        Directory.CreateDirectory(TemporaryDirectory);
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(path, options))
        using (var writer = new StreamWriter(file))
            writer.Write(StackEnv!.ReplaceLineEndings("\n").TrimEnd('\n') + "\n");
        return path;
    }

    /// <summary>--env-file, else --stack-env, else stack/.env, else (dev only) stack/.env.example.</summary>
    private string StackEnvFilePath()
    {
        if (StackEnvFile == null && StackEnv != null)
            return WriteStackEnv();
        if (StackEnvFile == null)
            return EnvFile.Resolve(RootDirectory, StackEnvironmentName);
        var path = Path.GetFullPath(StackEnvFile, RootDirectory);
        return File.Exists(path) ? path : throw new Core.BuildInputException($"--env-file {StackEnvFile}: no such file; give the path of the stack's env file.");
    }
}
