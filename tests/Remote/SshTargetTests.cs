using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;

namespace Mlstack.Tests.Remote;

public sealed class SshTargetTests
{
    [Theory]
    [InlineData("vm.example.com", "root", "vm.example.com", 22, "vm.example.com")]
    [InlineData("deploy@10.0.0.5:2222", "deploy", "10.0.0.5", 2222, "[10.0.0.5]:2222")]
    [InlineData("root@[::1]:2200", "root", "::1", 2200, "[::1]:2200")]
    [InlineData("fe80::1", "root", "fe80::1", 22, "fe80::1")]
    public void Parses_user_host_and_port(string text, string user, string host, int port, string knownHostsName)
    {
        var target = SshTarget.Parse(text);
        Assert.Equal(new SshTarget(user, host, port), target);
        Assert.Equal(knownHostsName, target.KnownHostsName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("@host")]
    [InlineData("root@")]
    [InlineData("host:0")]
    [InlineData("host:70000")]
    [InlineData("host:ssh")]
    [InlineData("a b")]
    public void Bad_input_is_one_line_naming_host_and_the_form(string text)
    {
        var error = Assert.Throws<BuildInputException>(() => SshTarget.Parse(text));
        Assert.StartsWith("Parameter --host:", error.Message, StringComparison.Ordinal);
        Assert.Contains("[user@]host[:port]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_pinned_fingerprint_names_the_parameter()
    {
        var error = Assert.Throws<BuildInputException>(() => HostKeyTrust.Pinned("MD5:aa:bb"));
        Assert.StartsWith("Parameter --host-fingerprint:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_key_file_is_one_line()
    {
        var error = Assert.Throws<BuildInputException>(() => HostKeyTrust.FromKnownHosts("/nonexistent/known_hosts"));
        Assert.Contains("--known-hosts", error.Message, StringComparison.Ordinal);
    }
}

public sealed class SshKnownHostsTests
{
    private static readonly byte[] Key = Convert.FromBase64String("AAAAC3NzaC1lZDI1NTE5AAAAIHpA3mFqGmYpRUzL1Bne3WS6eM8m3BQ9Gz4kPZrJjzJ8");
    private static readonly byte[] OtherKey = Convert.FromBase64String("AAAAC3NzaC1lZDI1NTE5AAAAIOnzJPd9V9ZrcxaQ1ALwjAqgSZ1HSxNyO6yZ+3ks1KmR");

    private static HostKeyVerdict Judge(string target, params string[] lines)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, lines);
            return HostKeyTrust.FromKnownHosts(file).Judge(SshTarget.Parse(target), Key);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string Line(string hosts, byte[] key, string marker = "") => $"{marker}{hosts} ssh-ed25519 {Convert.ToBase64String(key)}".Trim();

    [Fact]
    public void A_non_default_port_is_only_matched_by_its_bracketed_name()
    {
        Assert.Equal(HostKeyVerdict.Trusted, Judge("vm:2222", Line("[vm]:2222", Key)));
        Assert.Equal(HostKeyVerdict.Unknown, Judge("vm:2222", Line("vm", Key)));
        Assert.Equal(HostKeyVerdict.Unknown, Judge("vm", Line("[vm]:2222", Key)));
    }

    [Fact]
    public void Comma_lists_negations_and_revoked_keys_are_honoured()
    {
        Assert.Equal(HostKeyVerdict.Trusted, Judge("vm", Line("a,VM,b", Key)));
        Assert.Equal(HostKeyVerdict.Unknown, Judge("vm", Line("!vm,vm", Key)));
        Assert.Equal(HostKeyVerdict.Revoked, Judge("vm", Line("vm", Key, "@revoked "), Line("vm", Key)));
        Assert.Equal(HostKeyVerdict.Changed, Judge("vm", Line("vm", OtherKey)));
        Assert.Equal(HostKeyVerdict.Unknown, Judge("vm", "vm ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7", "garbage", ""));
    }

    [Fact]
    public void The_fingerprint_is_openssh_form()
    {
        var fingerprint = HostKeyTrust.Fingerprint(Key);
        Assert.StartsWith("SHA256:", fingerprint, StringComparison.Ordinal);
        Assert.Equal(50, fingerprint.Length);
        Assert.Equal("ssh-ed25519", HostKeyTrust.KeyType(Key));
    }
}
