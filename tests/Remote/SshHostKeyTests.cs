using Mlstack.Build.Remote;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Remote;

/// <summary>Host key trust against a real sshd: a key we do not trust stops the connection before any command can
/// run, and says which key was offered and how to trust it.</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(EngineTests.Name)]
public sealed class SshHostKeyTests(TestVm vm) : IClassFixture<TestVm>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlstack-knownhosts-").FullName;
    private const string OtherKey = "AAAAC3NzaC1lZDI1NTE5AAAAIHpA3mFqGmYpRUzL1Bne3WS6eM8m3BQ9Gz4kPZrJjzJ8";

    private string KnownHosts(params string[] lines)
    {
        var path = Path.Combine(_folder, $"known_hosts_{Guid.NewGuid():N}");
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>Connects and, if that were allowed, would leave a file in the VM's /srv.</summary>
    private async Task<Exception?> TryTouchAsync(HostKeyTrust trust, string marker)
    {
        try
        {
            await using var session = await SshSession.ConnectAsync(vm.Target, trust, vm.ClientKeyPath, TestContext.Current.CancellationToken);
            await session.RunAsync($"touch /srv/{marker}", TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    [Fact]
    public async Task A_pinned_fingerprint_of_another_key_is_refused_before_any_command_runs()
    {
        vm.Require();
        var error = await TryTouchAsync(HostKeyTrust.Pinned("SHA256:" + new string('A', 43)), "pinned-wrong");

        var rejected = Assert.IsType<HostKeyRejectedException>(error);
        Assert.Equal(HostKeyVerdict.Changed, rejected.Verdict);
        Assert.Equal(vm.HostKeyFingerprint, rejected.OfferedFingerprint);
        Assert.Contains(vm.HostKeyFingerprint, rejected.Message, StringComparison.Ordinal);
        Assert.Contains("man-in-the-middle", rejected.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', rejected.Message);
        Assert.False(File.Exists(Path.Combine(vm.PrivateSrv, "pinned-wrong")), "the command ran on the VM");
    }

    [Fact]
    public async Task A_known_hosts_line_with_another_key_for_the_host_is_a_changed_key()
    {
        vm.Require();
        var error = await TryTouchAsync(HostKeyTrust.FromKnownHosts(KnownHosts($"{vm.Address} ssh-ed25519 {OtherKey}")), "changed");

        var rejected = Assert.IsType<HostKeyRejectedException>(error);
        Assert.Equal(HostKeyVerdict.Changed, rejected.Verdict);
        Assert.Contains(vm.HostKeyFingerprint, rejected.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(vm.PrivateSrv, "changed")), "the command ran on the VM");
    }

    [Fact]
    public async Task An_unknown_host_is_refused_with_its_fingerprint_and_how_to_trust_it()
    {
        vm.Require();
        var error = await TryTouchAsync(HostKeyTrust.FromKnownHosts(KnownHosts("# empty", $"other.example ssh-ed25519 {OtherKey}")), "unknown");

        var rejected = Assert.IsType<HostKeyRejectedException>(error);
        Assert.Equal(HostKeyVerdict.Unknown, rejected.Verdict);
        Assert.Contains($"--host-fingerprint {vm.HostKeyFingerprint}", rejected.Message, StringComparison.Ordinal);
        Assert.Contains($"ssh-keyscan -p 22 {vm.Address} >> ~/.ssh/known_hosts", rejected.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("man-in-the-middle", rejected.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(vm.PrivateSrv, "unknown")), "the command ran on the VM");
    }

    [Fact]
    public async Task The_fixtures_known_hosts_line_and_its_pinned_fingerprint_are_trusted()
    {
        vm.Require();
        Assert.Null(await TryTouchAsync(HostKeyTrust.FromKnownHosts(KnownHosts($"other,{vm.Address} ssh-ed25519 {OtherKey}", vm.KnownHostsLine)), "by-line"));
        Assert.Null(await TryTouchAsync(HostKeyTrust.Pinned(vm.HostKeyFingerprint), "by-pin"));
        Assert.True(File.Exists(Path.Combine(vm.PrivateSrv, "by-line")));
        Assert.True(File.Exists(Path.Combine(vm.PrivateSrv, "by-pin")));
    }

    [Fact]
    public async Task A_hashed_known_hosts_entry_written_by_ssh_keygen_is_trusted()
    {
        vm.Require();
        var path = KnownHosts(vm.KnownHostsLine);
        var hashed = await ChildProcess.RunAsync("ssh-keygen", ["-H", "-f", path]);
        Assert.Equal(0, hashed.ExitCode);
        Assert.StartsWith("|1|", File.ReadAllText(path), StringComparison.Ordinal);

        Assert.Null(await TryTouchAsync(HostKeyTrust.FromKnownHosts(path), "by-hash"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
