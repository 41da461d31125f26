using Mlstack.Build.GitHubActions;

namespace Mlstack.Build;

/// <summary>The GitHub Actions workflows, generated into .github/workflows/ on every run of the build.</summary>
/// <remarks>deploy, backup and backup-weekly wait for their targets (Deploy, Rollback, Backup, VerifyBackup): their
/// attributes are in tests/Pipeline/DeployPipelineBuild.cs, proven there against a build of the same shape. When the
/// targets land, move each attribute here (adjusting parameter names if they differ) and run the build once.</remarks>
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
