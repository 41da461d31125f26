using Mlstack.Build.GitHubActions;

namespace Mlstack.Build;

/// <summary>The GitHub Actions workflows, generated into .github/workflows/ on every run of the build.</summary>
[GitHubActions(
    "ci",
    GitHubActionsImage.UbuntuLatest,
    OnPushBranches = ["main"],
    OnPullRequestBranches = ["main"],
    InvokedTargets = [nameof(Test)],
    // Images fall back to debootstrap when the base image is not wanted from a registry; the runner lacks it.
    AptPackages = ["debootstrap"],
    ConcurrencyCancelInProgress = true,
    TimeoutMinutes = 60)]
internal sealed partial class Build;
