using Mlstack.Build.Core;
using Mlstack.Build.Host;

namespace Mlstack.Build.GitHubActions;

/// <summary>Generates .github/workflows/&lt;name&gt;.yml from the build, in NUKE's shape:
/// <c>[GitHubActions("ci", GitHubActionsImage.UbuntuLatest, OnPushBranches = new[] { "main" }, InvokedTargets = new[] { nameof(Test) })]</c>.
/// Targets and parameters are named with <c>nameof</c>, so a rename breaks compilation; a name the build does not
/// declare breaks generation, which every run of the build does.</summary>
/// <remarks>Imports (secrets, variables, dispatch inputs) are "Parameter" or "Parameter=SOURCE". A PascalCase name
/// must be a declared parameter: the build reads it from the environment variable of that name, filled from
/// <c>secrets.SOURCE</c>, <c>vars.SOURCE</c> or <c>inputs.SOURCE</c> (SOURCE defaults to the name in UPPER_SNAKE_CASE,
/// lower-case for inputs). An UPPER_SNAKE name is handed to the build's tools as is (the stack's settings).</remarks>
public sealed class GitHubActionsAttribute(string name, GitHubActionsImage image) : ConfigurationAttribute
{
    private int? _fetchDepth;

    public string Name { get; } = name;
    public GitHubActionsImage Image { get; } = image;
    public override string RelativePath => $".github/workflows/{Name}.yml";

    public string[] OnPushBranches { get; set; } = [];
    public string[] OnPushTags { get; set; } = [];
    public string[] OnPullRequestBranches { get; set; } = [];

    /// <summary>Manual runs from the Actions tab, also when there are no inputs.</summary>
    public bool OnWorkflowDispatch { get; set; }
    public string[] OnWorkflowDispatchOptionalInputs { get; set; } = [];
    public string[] OnWorkflowDispatchRequiredInputs { get; set; } = [];

    /// <summary>A cron expression in UTC, e.g. "0 3 * * *".</summary>
    public string? OnCronSchedule { get; set; }

    public string[] InvokedTargets { get; set; } = [];

    /// <summary>Instead of one job running <see cref="InvokedTargets"/>: one job per target, side by side on runners of
    /// their own (e.g. a test tier each), every one with the same setup steps and its own reports artifact.</summary>
    public string[] ParallelJobs { get; set; } = [];

    /// <summary>A dispatch input that, when given, runs <see cref="InvokedTargetsWhenInput"/> instead of
    /// <see cref="InvokedTargets"/> (deploy: a release to roll back to).</summary>
    public string? WhenInput { get; set; }
    public string[] InvokedTargetsWhenInput { get; set; } = [];

    /// <summary>Repository or environment secrets handed to the build; the runner masks them, and so does the build.</summary>
    public string[] ImportSecrets { get; set; } = [];

    /// <summary>Repository or environment configuration variables (<c>vars.</c>) handed to the build.</summary>
    public string[] ImportVariables { get; set; } = [];

    /// <summary>A GitHub environment: its protection rules (reviewers, branches) gate the job, and its secrets apply.</summary>
    public string? EnvironmentName { get; set; }
    public string? EnvironmentUrl { get; set; }

    public string? ConcurrencyGroup { get; set; }
    public bool ConcurrencyCancelInProgress { get; set; }

    public int TimeoutMinutes { get; set; }

    /// <summary>Files whose hash keys the NuGet package cache; empty: no cache step.</summary>
    public string[] CacheKeyFiles { get; set; } = ["**/global.json", "**/*.csproj", "**/Directory.Packages.props"];
    public string[] CacheIncludePatterns { get; set; } = ["~/.nuget/packages"];

    /// <summary>Upload the reports folder as an artifact, whatever the outcome.</summary>
    public bool PublishArtifacts { get; set; } = true;
    public string ArtifactsPath { get; set; } = ".nuke/temp/reports";
    public string PublishCondition { get; set; } = "always()";

    /// <summary>Commits actions/checkout fetches; 0 is the whole history. Unset: checkout's default (1).</summary>
    public int FetchDepth
    {
        get => _fetchDepth ?? 1;
        set => _fetchDepth = value;
    }

    internal int? FetchDepthIfSet => _fetchDepth;

    /// <summary>Debian packages the runner image lacks, installed with apt-get before the build runs.</summary>
    public string[] AptPackages { get; set; } = [];

    /// <summary>Shell commands run before the build, one step each (e.g. <c>npm ci</c> for a test's tools).</summary>
    public string[] PreBuildCommands { get; set; } = [];

    /// <summary>Runs the build as root (<c>sudo -E</c>, PATH kept): a hosted runner's user is not root, and tests that
    /// make network namespaces, mounts and their own daemons need it.</summary>
    public bool RunAsRoot { get; set; }

    internal override string Generate(BuildDeclarations build) => WorkflowWriter.Write(WorkflowBuilder.Build(this, build));
}
