using Mlstack.Build.Backup;
using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;

namespace Mlstack.Build;

/// <summary>An off-site repository: for sftp:… the key and the host keys the helper's ssh is handed; for s3:… the
/// S3 keys and, for a server whose certificate a private CA signed, that CA's certificate.</summary>
internal sealed partial class Build
{
    [Parameter("Off-site (sftp:) repository: private key file for its host (default ~/.ssh/id_ed25519, id_ecdsa, id_rsa)")]
    private readonly string? BackupSshKey;

    [Parameter("Off-site (sftp:) repository: the private key itself, as text (for CI: from a secret); instead of --backup-ssh-key"), Secret]
    private readonly string? BackupSshPrivateKey;

    [Parameter("Off-site (sftp:) repository: OpenSSH known_hosts file holding its host's key (default ~/.ssh/known_hosts)")]
    private readonly string? BackupKnownHosts;

    [Parameter("Off-site (s3:) repository: its access key id (default: AWS_ACCESS_KEY_ID)")]
    private readonly string? BackupS3AccessKeyId;

    [Parameter("Off-site (s3:) repository: its secret access key (default: AWS_SECRET_ACCESS_KEY)"), Secret]
    private readonly string? BackupS3SecretAccessKey;

    [Parameter("Off-site (s3:) repository: PEM file of the CA that signed its server's certificate, when not a public CA (a MinIO of your own)")]
    private readonly string? BackupCaCertificate;

    /// <summary>--backup-repository is an sftp: or s3: location, not a folder.</summary>
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

    private S3Credentials OffsiteS3()
    {
        var id = BackupS3AccessKeyId ?? Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        var secret = BackupS3SecretAccessKey ?? Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret))
            throw new BuildInputException($"--backup-repository {BackupRepository} needs its S3 keys: --backup-s3-access-key-id and BACKUP_S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).");
        Log.Masker.Add(secret); // from AWS_SECRET_ACCESS_KEY it is not a [Secret] parameter: masked all the same
        if (BackupCaCertificate != null && !File.Exists(BackupCaCertificate))
            throw new BuildInputException($"--backup-ca-certificate {BackupCaCertificate}: no such file; name the PEM file of the CA that signed the S3 server's certificate.");
        return new S3Credentials(id, secret, BackupCaCertificate == null ? null : File.ReadAllText(BackupCaCertificate));
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
