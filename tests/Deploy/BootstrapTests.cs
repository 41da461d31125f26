using System.Text.Json.Nodes;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Deploy;

/// <summary>Bootstrap on a real VM (its own sshd and dockerd, a private /etc/docker): the first run writes the log
/// defaults into the owner's daemon.json without losing a key of theirs and creates the deploy path owner-only; the
/// second run changes nothing and says so.</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(EngineTests.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // the VM is Linux: its files have Unix modes
public sealed class BootstrapTests(TestVm vm) : IClassFixture<TestVm>
{
    private Task<ProcessResult> BootstrapAsync()
    {
        var knownHosts = Path.Combine(vm.PrivateRoot, "..", "known_hosts");
        File.WriteAllText(knownHosts, vm.KnownHostsLine + "\n");
        return ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"),
            ["Bootstrap", "--host", $"root@{vm.Address}", "--ssh-key", vm.ClientKeyPath, "--known-hosts", knownHosts, "--deploy-path", "/srv/ready"]);
    }

    [Fact]
    public async Task The_first_run_readies_the_vm_and_the_second_changes_nothing()
    {
        vm.Require();
        var daemonJson = Path.Combine(vm.PrivateEtcDocker, "daemon.json");
        File.WriteAllText(daemonJson, """{ "debug": false }""");

        var first = await BootstrapAsync();
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Matches(@"system\s+Debian", first.Output);
        Assert.Matches(@"engine\s+running, Docker \S+\s+left running: the log defaults apply after its next restart", first.Output);
        Assert.Matches(@"deploy path\s+missing\s+created /srv/ready, 0700", first.Output);
        var config = JsonNode.Parse(File.ReadAllText(daemonJson))!;
        Assert.False(config["debug"]!.GetValue<bool>());
        Assert.Equal("json-file", config["log-driver"]!.GetValue<string>());
        Assert.Equal("10m", config["log-opts"]!["max-size"]!.GetValue<string>());
        Assert.Equal("3", config["log-opts"]!["max-file"]!.GetValue<string>());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(vm.PrivateSrv, "ready")));

        var written = File.ReadAllText(daemonJson);
        var second = await BootstrapAsync();
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains("was ready; nothing changed.", second.Output);
        Assert.DoesNotContain("installed", second.Output);
        Assert.Equal(written, File.ReadAllText(daemonJson));
    }
}
