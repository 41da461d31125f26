using System.Collections;
using System.Runtime.InteropServices;
using Mlstack.Build.Core;

namespace Mlstack.Build.Host;

/// <summary>The base of a build: <c>class Build : BuildHost</c>, with <c>Main() => Execute&lt;Build&gt;(x => x.Default)</c>.
/// Knows targets and parameters; nothing about what the targets do.</summary>
public abstract class BuildHost
{
    private static readonly string[] HostParameterNames = ["Help", "Plan", "Skip", "Target", "Root", "Profile", "Verbosity"];
    private static readonly string[] CommandLineOnlyNames = ["Help", "Plan", "Skip", "Target", "Root"];

    [Parameter("Show targets and parameters, then exit")] private readonly bool Help;
    [Parameter("Print the ordered plan and why each target is in it; run nothing")] private readonly bool Plan;
    [Parameter("Skip these targets; with no names, every target that was not named")] private readonly string[]? Skip;
    [Parameter("Targets to run (same as naming them first)", Name = "Target")] private readonly string[]? TargetNames;
    [Parameter("Repository root (default: the nearest folder with .nuke)")] private readonly string? Root;
    [Parameter("Also read .nuke/parameters.<profile>.json, in this order")] private readonly string[] Profile = [];
    [Parameter("How much to print")] private readonly Verbosity Verbosity = Verbosity.Normal;

    /// <summary>The repository root: where .nuke is.</summary>
    public string RootDirectory { get; private set; } = Directory.GetCurrentDirectory();

    /// <summary>Scratch space for logs and reports; git-ignored.</summary>
    public string TemporaryDirectory => Path.Combine(RootDirectory, ".nuke", "temp");

    /// <summary>The targets named on the command line (or the default one), as NUKE's InvokedTargets.</summary>
    public IReadOnlyList<string> InvokedTargetNames { get; private set; } = [];

    public BuildLog Log { get; private set; } = new(Console.Out, new SecretMasker(), color: false);

    internal static bool IsHostParameter(BuildParameter parameter) =>
        parameter.Member.DeclaringType == typeof(BuildHost) && HostParameterNames.Contains(parameter.Name);

    internal static bool IsCommandLineOnly(BuildParameter parameter) =>
        parameter.Member.DeclaringType == typeof(BuildHost) && CommandLineOnlyNames.Contains(parameter.Name);

    /// <summary>The entry point: parses the process's arguments, runs, and returns the exit code. SIGINT and SIGTERM
    /// cancel the token every running target receives; a second Ctrl-C kills the process.</summary>
    protected static int Execute<T>(Func<T, Target> defaultTarget)
        where T : BuildHost, new()
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = !cancellation.IsCancellationRequested;
            cancellation.Cancel();
        };
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancellation.Cancel();
        });
        var environment = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty, StringComparer.Ordinal);
        var color = !Console.IsOutputRedirected && !environment.ContainsKey("NO_COLOR");
        var build = new T();
        return build.RunAsync(Environment.GetCommandLineArgs()[1..], environment, Console.Out, color, b => defaultTarget((T)b), cancellation.Token)
            .GetAwaiter().GetResult();
    }

    internal async Task<int> RunAsync(
        string[] args,
        IReadOnlyDictionary<string, string> environment,
        TextWriter output,
        bool color,
        Func<BuildHost, Target> defaultTarget,
        CancellationToken ct)
    {
        Log = new BuildLog(output, new SecretMasker(), color);
        WorkflowCommands.Attach(Log, environment);
        try
        {
            var parameters = BuildParameter.Discover(this);
            var commandLine = CommandLine.Parse(args, parameters);
            var binder = new ParameterBinder(commandLine, environment);
            binder.Bind(this, parameters.Where(p => p.Name is "Root" or "Profile" or "Verbosity"));
            Log.Verbosity = Verbosity;
            RootDirectory = RootFinder.Find(Root);
            foreach (var file in ParameterFiles.Paths(RootDirectory, Profile))
                binder.AddFile(Path.GetRelativePath(RootDirectory, file), ParameterFiles.Read(RootDirectory, file, parameters));
            binder.Bind(this, parameters);
            Log.Verbosity = Verbosity;
            foreach (var secret in parameters.Where(p => p.IsSecret))
                Log.Masker.Add(secret.GetValue(this) as string);

            var graph = TargetDiscovery.Discover(this);
            var fallback = graph.Find(defaultTarget(this));
            SchemaWriter.Update(RootDirectory, parameters, graph);
            ConfigurationFiles.Update(RootDirectory, this, new BuildDeclarations(graph, parameters), IsCi(environment));
            if (Help)
            {
                HelpText.Print(graph, fallback, parameters, Log);
                return 0;
            }

            var invoked = Resolve(graph, commandLine.TargetNames.Concat(TargetNames ?? []));
            if (invoked.Count == 0)
                invoked = [fallback];
            InvokedTargetNames = [.. invoked.Select(t => t.Name)];
            var plan = ExecutionPlan.Create(graph, invoked);
            var skip = Skip == null ? null : Resolve(graph, Skip);
            SkipDecision.Apply(plan, invoked, skip, (target, reason) => (target.Status, target.Message) = (TargetStatus.Skipped, reason));
            if (Plan)
            {
                PlanText.Print(plan, Log);
                return 0;
            }

            Requirements.Check(plan, parameters);
            await TargetRunner.RunAsync(plan, Log, ct);
            var succeeded = plan.Ordered.All(t => t.Status is not (TargetStatus.Failed or TargetStatus.Aborted or TargetStatus.NotRun));
            Summary.Print(plan.Ordered, succeeded, Log);
            Log.StepSummary.Append(Summary.Markdown(plan.Ordered, succeeded));
            return succeeded ? 0 : ct.IsCancellationRequested ? 130 : 1;
        }
        catch (BuildInputException e)
        {
            Log.Error(e.Message);
            Log.WorkflowCommands?.Error("Build input", e.Message);
            return 1;
        }
    }

    private static bool IsCi(IReadOnlyDictionary<string, string> environment) =>
        environment.TryGetValue("CI", out var value) && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    private static List<ExecutableTarget> Resolve(TargetGraph graph, IEnumerable<string> names) =>
        [.. names.Select(name => graph.FindByName(name)
            ?? throw new BuildInputException(
                $"Unknown target '{name}'.{NameMatching.DidYouMean(name, graph.Targets.Select(t => t.Name))} Run --help for the list."))];
}
