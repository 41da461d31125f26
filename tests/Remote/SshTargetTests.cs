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
