using Mlstack.Build.GitHubActions;
using Mlstack.Build.Host;

namespace Mlstack.Tests.Pipeline;

/// <summary>The backup workflows exactly as they go on the real Build once its Backup and VerifyBackup targets land
/// (README, "Pipeline"): here on a build whose targets only record what they were given, so the tests can prove the
/// workflows parse and that every command they run plans and binds its parameters.</summary>
[GitHubActions(
    "backup",
    GitHubActionsImage.UbuntuLatest,
    OnCronSchedule = "0 3 * * 1-6",
    OnWorkflowDispatch = true,
    InvokedTargets = [nameof(Backup)],
    ImportVariables = [$"{nameof(Host)}=DEPLOY_HOST", $"{nameof(HostKey)}=DEPLOY_HOST_KEY"],
    ImportSecrets = [$"{nameof(SshKey)}=DEPLOY_SSH_KEY"],
    EnvironmentName = "production",
    ConcurrencyGroup = "backup",
    TimeoutMinutes = 60)]
[GitHubActions(
    "backup-weekly",
    GitHubActionsImage.UbuntuLatest,
    OnCronSchedule = "0 3 * * 0",
    InvokedTargets = [nameof(Backup), nameof(VerifyBackup)],
    ImportVariables = [$"{nameof(Host)}=DEPLOY_HOST", $"{nameof(HostKey)}=DEPLOY_HOST_KEY"],
    ImportSecrets = [$"{nameof(SshKey)}=DEPLOY_SSH_KEY"],
    EnvironmentName = "production",
    ConcurrencyGroup = "backup",
    TimeoutMinutes = 90)]
internal sealed class DeployPipelineBuild : BuildHost
{
    [Parameter("The VM to deploy to")] public string? Host;
    [Parameter("Private SSH key for root@Host (OpenSSH format)"), Secret] public string? SshKey;
    [Parameter("The VM's SSH host key: SHA256 fingerprint or known_hosts line")] public string? HostKey;
    [Parameter("Rollback: the release to roll back to")] public string? To;

    public List<string> Ran { get; } = [];

    public Target Deploy => _ => _.Requires(() => Host).Requires(() => SshKey).Requires(() => HostKey).Executes(() => Ran.Add($"Deploy to {Host}"));
    public Target Rollback => _ => _.Requires(() => Host).Requires(() => To).Executes(() => Ran.Add($"Rollback {Host} to {To}"));
    public Target Backup => _ => _.Requires(() => Host).Requires(() => SshKey).Executes(() => Ran.Add($"Backup {Host}"));
    public Target VerifyBackup => _ => _.After(Backup).Requires(() => Host).Executes(() => Ran.Add($"VerifyBackup {Host}"));
}
