using Mlstack.Build.Doctor;
using Mlstack.Build.Gates;
using Mlstack.Build.Host;
using Mlstack.Build.Stack;
using Mlstack.Build.Tooling;

namespace Mlstack.Build;

internal sealed partial class Build
{
    [Parameter("Time limit for every service to become ready (default: from its healthcheck: start_period + retries × interval + timeout + 15s)")]
    private readonly TimeSpan? ServiceTimeout;

    [Parameter("Down: also delete the stack's data volumes (needs --yes)")]
    private readonly bool RemoveVolumes;

    [Parameter("Confirm a destructive step")]
    private readonly bool Yes;

    [Parameter("Logs: only these services")]
    private readonly string[] Service = [];

    [Parameter("Logs: keep following")]
    private readonly bool Follow;

    [Parameter("Logs: lines per service")]
    private readonly int Tail = 100;

    private ComposeModel? StackModel;

    Target StackConfig => _ => _
        .Description("Checks the compose files (YAML, references) and, for prod, that no password is empty or a default")
        .DependsOn(Doctor)
        .Executes(async ct =>
        {
            var project = StackProject();
            if (StackEnvironmentName == StackEnvironment.Prod)
                ProductionSecrets.Check(ProductionSecrets.Effective(project.EnvFile), EnvFile.Read(Path.Combine(RootDirectory, "stack", ".env.example")));
            StackModel = await ComposeConfigReader.ReadAsync(project, Log, ComposeEnvironment(), ct);
            Log.Info($"StackConfig: {StackModel.Services.Count} services, environment {StackEnvironmentName.ToString().ToLowerInvariant()}, env file {Path.GetRelativePath(RootDirectory, project.EnvFile)}");
        });

    Target Up => _ => _
        .Description("Starts the stack (compose up) behind health gates that fail fast and show why")
        .DependsOn(StackConfig, Images)
        .Executes(async ct =>
        {
            using var engine = new StackEngine(EngineProbe.Client(Docker!.Engine), StackProject().Name);
            await StackUp.RunAsync(StackProject(), StackModel!, engine, ComposeEnvironment(), ServiceTimeout, Log, live: !Console.IsOutputRedirected, ct);
        });

    Target Down => _ => _
        .Description("Stops and removes the stack's containers; keeps volumes unless --remove-volumes --yes")
        .DependsOn(Doctor)
        .Executes(async ct =>
        {
            if (RemoveVolumes && !Yes)
                throw new BuildInputException("Down --remove-volumes deletes the stack's data (databases, objects, metrics); add --yes to confirm.");
            var project = StackProject();
            string[] command = RemoveVolumes ? ["down", "--remove-orphans", "--volumes"] : ["down", "--remove-orphans"];
            await ToolRunner.RunCheckedAsync(project.Cli.File, project.Arguments(command), Log, Verbosity.Normal, project.Directory, ComposeEnvironment(), ct);
            Log.Success(RemoveVolumes ? "Down: containers, networks and volumes removed." : "Down: containers and networks removed; volumes kept.");
        });

    Target Status => _ => _
        .Description("Shows each service: state, health, ports, image tag, uptime")
        .DependsOn(Doctor)
        .Executes(async ct =>
        {
            using var engine = new StackEngine(EngineProbe.Client(Docker!.Engine), StackProject().Name);
            await StackStatus.PrintAsync(engine, Log, ct);
        });

    Target Logs => _ => _
        .Description("Prints the services' logs (--service, --tail, --follow)")
        .DependsOn(Doctor)
        .Executes(async ct =>
        {
            var project = StackProject();
            List<string> command = ["logs", "--no-color", "--tail", Tail.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            if (Follow)
                command.Add("--follow");
            command.AddRange(Service);
            await ToolRunner.RunCheckedAsync(project.Cli.File, project.Arguments([.. command]), Log, Verbosity.Quiet, project.Directory, ComposeEnvironment(), ct);
        });
}
