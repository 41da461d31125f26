using Mlstack.Build.Backup;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;

namespace Mlstack.Build;

/// <summary>An off-site repository (--backup-repository sftp:…): the key and the host keys the helper's ssh is handed.</summary>
internal sealed partial class Build
{
    [Parameter("Off-site (sftp:) repository: private key file for its host (default ~/.ssh/id_ed25519, id_ecdsa, id_rsa)")]
    private readonly string? BackupSshKey;

    [Parameter("Off-site (sftp:) repository: the private key itself, as text (for CI: from a secret); instead of --backup-ssh-key"), Secret]
    private readonly string? BackupSshPrivateKey;

    [Parameter("Off-site (sftp:) repository: OpenSSH known_hosts file holding its host's key (default ~/.ssh/known_hosts)")]
    private readonly string? BackupKnownHosts;

    /// <summary>--backup-repository is an sftp: location, not a folder.</summary>
    private bool IsOffsite => BackupRepository != null && ResticRepository.IsLocation(BackupRepository);

    private string OffsiteKey()
    {
        if (BackupSshPrivateKey != null)
            return BackupSshPrivateKey;
        var file = BackupSshKey ?? SshKeyFiles.DefaultPath();
        if (file == null || !File.Exists(file))
            throw new BuildInputException($"--backup-repository {BackupRepository} needs a private key for its host: --backup-ssh-key FILE (no {file ?? "~/.ssh/id_ed25519, id_ecdsa or id_rsa"}), or BACKUP_SSH_PRIVATE_KEY.");
        return File.ReadAllText(file);
    }

    /// <summary>The host keys the helper's ssh may trust: no key is ever accepted on first sight.</summary>
    private string OffsiteKnownHosts()
    {
        var file = BackupKnownHosts ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");
        return File.Exists(file)
            ? File.ReadAllText(file)
            : throw new BuildInputException($"--backup-repository {BackupRepository}: no known_hosts file at {file}; add the host's key there (ssh-keyscan HOST, after checking its fingerprint) or name one with --backup-known-hosts.");
    }
}
