using Mlstack.Build.GitHubActions;

namespace Mlstack.Build;

/// <summary>The GitHub Actions workflows, generated into .github/workflows/ on every run of the build.</summary>
[GitHubActions(
    "ci",
    GitHubActionsImage.UbuntuLatest,
    OnPushBranches = ["main"],
    OnPullRequestBranches = ["main"],
    // The test tiers as jobs side by side: the unit tier answers in minutes on every push, while the engine's and the
    // VMs' tiers run on runners of their own.
    ParallelJobs = [nameof(UnitTest), nameof(IntegrationTest), nameof(SystemTest)],
    // What .ci/run installs beyond the runner image: debootstrap (the base image), sshd and a registry (Deploy's
    // tests: a VM of their own, registry-less shipping), PyYAML (the autoscaler's unit tests), and GitHub's workflow
    // parser for the pipeline tests.
    AptPackages = ["debootstrap", "openssh-server", "docker-registry", "python3-yaml"],
    PreBuildCommands = ["npm ci --prefix tests/Pipeline/workflow-parser --no-audit --no-fund"],
    // The Deploy tests' VM is a network namespace with its own dockerd and sshd: root, which the runner's user is not.
    RunAsRoot = true,
    ConcurrencyCancelInProgress = true,
    TimeoutMinutes = 60)]
[GitHubActions(
    "deploy",
    GitHubActionsImage.UbuntuLatest,
    OnPushTags = ["v*"],
    OnWorkflowDispatchOptionalInputs = [$"{nameof(To)}=release"],
    InvokedTargets = [nameof(Deploy)],
    WhenInput = "release",
    InvokedTargetsWhenInput = [nameof(Rollback)],
    // The host key and the edge's certificate are public (every client sees them): variables. The keys and the stack's
    // settings are secrets. Prod needs TLS_CERTIFICATE with TLS_PRIVATE_KEY, or TLS_AT_LOAD_BALANCER=true (docs/pipeline.md).
    ImportVariables = ["Host=DEPLOY_HOST", $"{nameof(HostFingerprint)}=DEPLOY_HOST_FINGERPRINT", $"{nameof(TlsCert)}=TLS_CERTIFICATE", $"{nameof(TlsAtLoadBalancer)}=TLS_AT_LOAD_BALANCER"],
    ImportSecrets = [$"{nameof(SshPrivateKey)}=DEPLOY_SSH_KEY", $"{nameof(StackEnv)}=STACK_ENV", $"{nameof(TlsPrivateKey)}=TLS_PRIVATE_KEY"],
    AptPackages = ["debootstrap", "docker-registry"],
    // debootstrap builds the base image as root.
    RunAsRoot = true,
    EnvironmentName = "production",
    EnvironmentUrl = "${{ vars.PRODUCTION_URL }}",
    ConcurrencyGroup = "deploy",
    ConcurrencyCancelInProgress = false,
    TimeoutMinutes = 45)]
[GitHubActions(
    "backup",
    GitHubActionsImage.UbuntuLatest,
    OnCronSchedule = "0 3 * * 1-6",
    OnWorkflowDispatch = true,
    InvokedTargets = [nameof(Backup)],
    ImportVariables = ["Host=DEPLOY_HOST", $"{nameof(HostFingerprint)}=DEPLOY_HOST_FINGERPRINT"],
    ImportSecrets = [$"{nameof(SshPrivateKey)}=DEPLOY_SSH_KEY", $"{nameof(StackEnv)}=STACK_ENV", $"{nameof(BackupPassword)}=BACKUP_PASSWORD"],
    // Images builds the backup helper image, shipped to the VM when it lacks it.
    AptPackages = ["debootstrap", "docker-registry"],
    RunAsRoot = true,
    EnvironmentName = "production",
    ConcurrencyGroup = "backup",
    ConcurrencyCancelInProgress = false,
    TimeoutMinutes = 60)]
[GitHubActions(
    "backup-weekly",
    GitHubActionsImage.UbuntuLatest,
    OnCronSchedule = "0 3 * * 0",
    OnWorkflowDispatch = true,
    InvokedTargets = [nameof(Backup), nameof(VerifyBackup)],
    ImportVariables = ["Host=DEPLOY_HOST", $"{nameof(HostFingerprint)}=DEPLOY_HOST_FINGERPRINT"],
    ImportSecrets = [$"{nameof(SshPrivateKey)}=DEPLOY_SSH_KEY", $"{nameof(StackEnv)}=STACK_ENV", $"{nameof(BackupPassword)}=BACKUP_PASSWORD"],
    AptPackages = ["debootstrap", "docker-registry"],
    RunAsRoot = true,
    EnvironmentName = "production",
    ConcurrencyGroup = "backup",
    ConcurrencyCancelInProgress = false,
    TimeoutMinutes = 90)]
internal sealed partial class Build;
