using Mlstack.Build.GitHubActions;
using Mlstack.Build.Core;
using Mlstack.Build.Host;

namespace Mlstack.Tests.Pipeline;

/// <summary>A workflow using the attribute's remaining options, so each is seen in the YAML and by GitHub's parser.</summary>
[GitHubActions(
    "options",
    GitHubActionsImage.Ubuntu2204,
    OnPushBranches = ["release/*"],
    OnPushTags = ["v*", "!v*-rc*"],
    OnCronSchedule = "30 1 * * *",
    OnWorkflowDispatchRequiredInputs = [nameof(Services)],
    InvokedTargets = [nameof(Publish)],
    ImportVariables = ["REGISTRY_URL"],
    FetchDepth = 0,
    CacheKeyFiles = [],
    PublishArtifacts = false,
    ConcurrencyGroup = "options-${{ github.ref }}",
    ConcurrencyCancelInProgress = true)]
internal sealed class OptionsPipelineBuild : BuildHost
{
    [Parameter("Services to publish")] public string[] Services = [];

    public Target Publish => _ => _.Requires(() => Services).Executes(() => { });
}
