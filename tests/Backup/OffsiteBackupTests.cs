using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Backup;

/// <summary>An off-site repository: s3: on a real S3 server over HTTPS (see the second test); sftp: on a real OpenSSH server (the fixture VM's), reached by the helper's own ssh
/// with the key and the host key handed over as secret files. A host key that is not the server's is refused before
/// anything is written; a backup lands there, is listed, verified by a restore and recorded; a damaged pack there is
/// refused by VerifyBackup.</summary>
// Its own VM and its own fixture stack (a project name of its own): after VmBackupTests, beside the deploy classes.
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(VmBackups.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // TlsS3Server
public sealed class OffsiteBackupTests(BackupFixture fixture, TestVm vm) : IClassFixture<BackupFixture>, IClassFixture<TestVm>
{
    private const string StrangerKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

    [Fact]
    public async Task An_sftp_repository_refuses_a_stranger_host_key_then_backs_up_lists_verifies_and_refuses_damage()
    {
        vm.Require();
        var project = fixture.Stack.Project.Name;
        var location = $"sftp:root@{vm.Address}:/srv/offsite/{project}";
        var onServer = Path.Combine(vm.PrivateSrv, "offsite", project);
        var knownHosts = KnownHosts("trusted", vm.KnownHostsLine);
        string[] ssh = ["--backup-ssh-key", vm.ClientKeyPath, "--backup-known-hosts", knownHosts];

        var stranger = await fixture.BuildAsync(location, "Backup", "--backup-ssh-key", vm.ClientKeyPath, "--backup-known-hosts", KnownHosts("stranger", $"{vm.Address} {StrangerKey}"));
        Assert.NotEqual(0, stranger.ExitCode);
        Assert.True(stranger.Output.Contains("Host key verification failed", StringComparison.Ordinal), stranger.Output);
        Assert.False(Directory.Exists(onServer), "nothing may be written to a server whose host key is not trusted");

        var backup = await fixture.BuildAsync(location, ["Backup", .. ssh]);
        Succeeded(backup);
        Assert.True(File.Exists(Path.Combine(onServer, "config")), "the repository is on the server");
        var id = BackupFixture.BackupId(backup);

        var verify = await fixture.BuildAsync(location, ["VerifyBackup", .. ssh]);
        Succeeded(verify);
        Assert.Contains("counts match the manifest", verify.Output, StringComparison.Ordinal);
        var list = await fixture.BuildAsync(location, ["Backups", .. ssh]);
        Succeeded(list);
        Assert.Matches($@"{id}\s.*\s\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\s", list.Output); // verified, with its time

        var pack = new DirectoryInfo(Path.Combine(onServer, "data")).EnumerateFiles("*", SearchOption.AllDirectories).MaxBy(f => f.Length)!;
        using (var stream = pack.Open(FileMode.Open))
            stream.SetLength(stream.Length / 2);
        var damaged = await fixture.BuildAsync(location, ["VerifyBackup", .. ssh]);
        Assert.NotEqual(0, damaged.ExitCode);
        Assert.Contains("repository damaged", damaged.Output, StringComparison.Ordinal);
        Assert.Contains(pack.Name[..8], damaged.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", stranger.Output + backup.Output + verify.Output + list.Output + damaged.Output, StringComparison.Ordinal);
    }

    /// <summary>s3: over HTTPS, on a real S3 server (s3rver) whose certificate a throwaway CA signed: refused, saying
    /// what to do, until that CA is named; then a backup lands there, is listed, and VerifyBackup restores it and
    /// records it; an access key id the server does not know fails the listing, saying so. Plain http:// is refused
    /// before anything runs. The S3 secret never reaches the output.</summary>
    [Fact]
    public async Task An_s3_repository_needs_its_ca_then_backs_up_lists_and_verifies()
    {
        var project = fixture.Stack.Project.Name;
        var plain = await fixture.BuildAsync($"s3:http://127.0.0.1:9/{TlsS3Server.Bucket}/{project}", "Backup");
        Assert.NotEqual(0, plain.ExitCode);
        Assert.Contains("must be reached over https://", plain.Output, StringComparison.Ordinal);

        await using var server = await TlsS3Server.StartAsync();
        var location = $"s3:{server.Endpoint}/{TlsS3Server.Bucket}/{project}";
        var untrusted = await S3BuildAsync(location, ["Backup"]);
        Assert.NotEqual(0, untrusted.ExitCode);
        Assert.True(untrusted.Output.Contains("x509: certificate signed by unknown authority", StringComparison.Ordinal)
            && untrusted.Output.Contains("--backup-ca-certificate", StringComparison.Ordinal), untrusted.Output);

        string[] ca = ["--backup-ca-certificate", server.CaCertificatePath];
        var backup = await S3BuildAsync(location, ["Backup", .. ca]);
        Succeeded(backup);
        Assert.Contains("repository: created", backup.Output, StringComparison.Ordinal);
        var id = BackupFixture.BackupId(backup);
        var verify = await S3BuildAsync(location, ["VerifyBackup", .. ca]);
        Succeeded(verify);
        Assert.Contains("counts match the manifest", verify.Output, StringComparison.Ordinal);
        var list = await S3BuildAsync(location, ["Backups", .. ca]);
        Succeeded(list);
        var stranger = await S3BuildAsync(location, ["Backups", .. ca], accessKeyId: "nobody");
        Assert.NotEqual(0, stranger.ExitCode); // not "No backups": a key S3 does not know is no empty repository
        Assert.Contains("Access Key Id you provided does not exist", stranger.Output, StringComparison.Ordinal);
        Assert.Matches($@"{id}\s.*\s\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\s", list.Output); // verified, with its time
        Assert.DoesNotContain(TlsS3Server.SecretAccessKey, untrusted.Output + backup.Output + verify.Output + list.Output, StringComparison.Ordinal);
    }

    /// <summary>The keys as CI hands them over: the id as a parameter, the secret in the environment.</summary>
    private Task<ProcessResult> S3BuildAsync(string location, string[] args, string accessKeyId = TlsS3Server.AccessKeyId) =>
        ChildProcess.RunAsync(BackupFixture.BuildScript, fixture.Arguments(location, [.. args, "--backup-s3-access-key-id", accessKeyId]),
            new Dictionary<string, string?> { ["BACKUP_PASSWORD"] = BackupFixture.Password, ["BACKUP_S3_SECRET_ACCESS_KEY"] = TlsS3Server.SecretAccessKey },
            timeout: TimeSpan.FromMinutes(10));

    private static void Succeeded(ProcessResult result)
    {
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.DoesNotContain(BackupFixture.Password, result.Output, StringComparison.Ordinal);
    }

    private string KnownHosts(string name, string line)
    {
        var path = Path.Combine(vm.PrivateRoot, "..", $"offsite-known_hosts-{name}");
        File.WriteAllText(path, line + "\n");
        return path;
    }
}
