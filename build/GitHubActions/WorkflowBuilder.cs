using System.Text.RegularExpressions;
using Mlstack.Build.Core;
using Mlstack.Build.Host;

namespace Mlstack.Build.GitHubActions;

/// <summary>From an attribute to a <see cref="Workflow"/>: checkout, the SDK from global.json, the NuGet cache, the
/// packages the runner lacks, the build (NUKE's run step: <c>./build.sh Target…</c>, parameters by environment), and
/// the reports. Every name is checked against the build, so a stale reference fails here, not on the runner.</summary>
internal static partial class WorkflowBuilder
{
    public static Workflow Build(GitHubActionsAttribute a, BuildDeclarations build)
    {
        var imports = new WorkflowImports(a.Name, build);
        if (!WorkflowName().IsMatch(a.Name))
            throw imports.Problem("the name must be lower-case letters, digits, - and _ (it names the file).");
        var inputs = a.OnWorkflowDispatchOptionalInputs.Select(i => imports.Input(i, required: false))
            .Concat(a.OnWorkflowDispatchRequiredInputs.Select(i => imports.Input(i, required: true))).ToList();
        var triggers = WorkflowTriggers.From(a, [.. inputs.Select(i => i.Input)], imports);
        Concurrency? concurrency = a.ConcurrencyGroup != null || a.ConcurrencyCancelInProgress
            // NUKE's default group: a pull request's newer push supersedes its older run; pushes to a branch each keep their own.
            ? new Concurrency(a.ConcurrencyGroup ?? "${{ github.workflow }} @ ${{ github.event.pull_request.head.label || github.head_ref || github.run_id }}", a.ConcurrencyCancelInProgress)
            : null;
        var environment = a.EnvironmentName == null ? null : new DeploymentEnvironment(a.EnvironmentName, a.EnvironmentUrl);
        if (a.ParallelJobs.Length == 0)
            return new Workflow(a.Name, triggers, concurrency, [new Job(a.Image.Label().Replace('.', '_'), a.Image.Label(), a.Image.Label(), a.TimeoutMinutes, environment, [.. Steps(a, build, imports, inputs, a.InvokedTargets, "")])]);
        if (a.InvokedTargets.Length > 0 || a.WhenInput != null)
            throw imports.Problem("ParallelJobs replaces InvokedTargets and WhenInput: set one or the other.");
        var jobs = Targets(a.ParallelJobs, nameof(a.ParallelJobs), build, imports).Select(target =>
        {
            var id = JobId(target);
            return new Job(id, $"{target} ({a.Image.Label()})", a.Image.Label(), a.TimeoutMinutes, environment, [.. Steps(a, build, imports, inputs, [target], $"-{id}")]);
        });
        return new Workflow(a.Name, triggers, concurrency, [.. jobs]);
    }

    /// <summary>A job's id from its target: UnitTest → unit-test.</summary>
    private static string JobId(string target) => string.Concat(target.Select((c, i) => char.IsUpper(c) && i > 0 ? $"-{char.ToLowerInvariant(c)}" : $"{char.ToLowerInvariant(c)}"));

    private static IEnumerable<Step> Steps(GitHubActionsAttribute a, BuildDeclarations build, WorkflowImports imports, List<(DispatchInput Input, KeyValuePair<string, string> Env)> inputs, string[] invokedTargets, string artifactSuffix)
    {
        yield return new Step("Checkout") { Uses = "actions/checkout@v4", With = a.FetchDepthIfSet is { } depth ? [new("fetch-depth", $"{depth}")] : [] };
        yield return new Step("Setup: .NET SDK from global.json") { Uses = "actions/setup-dotnet@v4", With = [new("global-json-file", "global.json")] };
        if (a.CacheKeyFiles.Length > 0)
        {
            var hash = string.Join(", ", a.CacheKeyFiles.Select(f => $"'{f}'"));
            yield return new Step($"Cache: {string.Join(", ", a.CacheIncludePatterns)}")
            {
                Uses = "actions/cache@v4",
                With = [new("path", string.Join('\n', a.CacheIncludePatterns)), new("key", $"${{{{ runner.os }}}}-nuget-${{{{ hashFiles({hash}) }}}}"), new("restore-keys", "${{ runner.os }}-nuget-")],
            };
        }

        if (a.AptPackages.Length > 0)
        {
            var packages = string.Join(' ', a.AptPackages);
            yield return new Step($"Install: {packages}") { Run = $"sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends {packages}" };
        }

        foreach (var command in a.PreBuildCommands)
            yield return new Step($"Prepare: {command}") { Run = command };

        List<KeyValuePair<string, string>> env = [.. a.ImportSecrets.Select(imports.Secret), .. a.ImportVariables.Select(imports.Variable)];
        var given = inputs.Where(i => i.Input.Name == a.WhenInput).Select(i => (KeyValuePair<string, string>?)i.Env).FirstOrDefault();
        if (a.WhenInput != null && given == null)
            throw imports.Problem($"WhenInput '{a.WhenInput}' is not one of the workflow_dispatch inputs.");
        if (a.WhenInput != null && a.InvokedTargetsWhenInput.Length == 0)
            throw imports.Problem("WhenInput is set but InvokedTargetsWhenInput names no target.");
        var otherInputs = inputs.Where(i => i.Input.Name != a.WhenInput).Select(i => i.Env).ToList();
        var targets = Targets(invokedTargets, nameof(a.InvokedTargets), build, imports);
        yield return RunStep(a, targets, [.. env, .. otherInputs], given == null ? null : $"inputs.{a.WhenInput} == ''");
        if (given is { } input)
            yield return RunStep(a, Targets(a.InvokedTargetsWhenInput, nameof(a.InvokedTargetsWhenInput), build, imports), [.. env, .. otherInputs, input], $"inputs.{a.WhenInput} != ''");

        if (a.PublishArtifacts)
        {
            yield return new Step($"Publish: {Path.GetFileName(a.ArtifactsPath.TrimEnd('/'))}")
            {
                If = a.PublishCondition,
                Uses = "actions/upload-artifact@v4",
                // Artifact names are unique within a run: a job of several gets its own.
                With = [new("name", Path.GetFileName(a.ArtifactsPath.TrimEnd('/')) + artifactSuffix), new("path", a.ArtifactsPath)],
            };
        }
    }

    /// <summary>What <see cref="GitHubActionsAttribute.RunAsRoot"/> puts before <c>./build.sh</c>: sudo keeps the
    /// step's environment (-E) but resets PATH, where setup-dotnet put the SDK.</summary>
    public const string AsRoot = "sudo -E env \"PATH=$PATH\" ";

    private static Step RunStep(GitHubActionsAttribute a, IReadOnlyList<string> targets, List<KeyValuePair<string, string>> env, string? condition) =>
        new($"Run: {string.Join(", ", targets)}") { Run = $"{(a.RunAsRoot ? AsRoot : "")}./build.sh {string.Join(' ', targets)}", If = condition, Env = env };

    private static List<string> Targets(string[] names, string property, BuildDeclarations build, WorkflowImports imports)
    {
        if (names.Length == 0)
            throw imports.Problem($"{property} names no target; the workflow would run the default target without saying so.");
        return [.. names.Select(name => build.Targets.FindByName(name)?.Name
            ?? throw imports.Problem($"{property} names '{name}', which is not a target of the build.{NameMatching.DidYouMean(name, build.Targets.Targets.Select(t => t.Name))}"))];
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex WorkflowName();
}
