using Mlstack.Build.Deploy;
using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;

namespace Mlstack.Tests.Deploy;

/// <summary>Bootstrap's decisions on VMs this machine cannot be: a fresh Debian without Docker or Compose and no init
/// system, another distribution, a daemon.json that is not JSON. Only the shell is scripted (the boundary); the VM
/// test (BootstrapTests) runs the real commands.</summary>
public sealed class VmBootstrapTests
{
    private static readonly BuildLog Log = new(TextWriter.Null, new SecretMasker(), false);

    /// <summary>Answers each command by the first rule whose text it contains; records what ran.</summary>
    private sealed class ScriptedShell(params (string Contains, int ExitCode, string Output)[] rules) : IRemoteShell
    {
        public List<string> Ran { get; } = [];
        public SshTarget Target { get; } = new("root", "vm.example.com", 22);

        public Task<RemoteCommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken ct = default)
        {
            Ran.Add(command);
            foreach (var rule in rules)
            {
                if (command.Contains(rule.Contains, StringComparison.Ordinal))
                    return Task.FromResult(new RemoteCommandResult(command, rule.ExitCode, rule.Output, ""));
            }

            return Task.FromResult(new RemoteCommandResult(command, 0, "", ""));
        }

        public Task UploadAsync(ReadOnlyMemory<byte> content, string remotePath, UnixFileMode mode, TimeSpan? timeout = null, CancellationToken ct = default) =>
            throw new NotSupportedException("Bootstrap writes files with commands only");

        public Task<bool> IsAliveAsync() => Task.FromResult(true);
    }

    private const string Debian = "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nID=debian\nUID=0\n";

    [Fact]
    public async Task A_fresh_debian_without_docker_gets_docker_io_the_v2_plugin_log_defaults_and_a_detached_engine()
    {
        var started = false;
        var shell = new ScriptedShell(
            ("cat /etc/os-release", 0, Debian),
            ("command -v dockerd", 0, ""),
            ("version --short", 127, ""),
            ("apt-cache show docker-compose-v2", 0, "yes"),
            ("cat /etc/docker/daemon.json", 0, ""),
            ("/run/systemd/system", 0, "no"),
            ("stat -c %a", 0, "missing"));
        var bootstrap = new VmBootstrap(new StartsEngine(shell, () => started = true, () => started), "/srv/mlstack", Log);

        var steps = await bootstrap.RunAsync(TestContext.Current.CancellationToken);

        Assert.Contains(shell.Ran, c => c.Contains("apt-get install -y -qq --no-install-recommends docker.io", StringComparison.Ordinal));
        Assert.Contains(shell.Ran, c => c.Contains("apt-get install -y -qq --no-install-recommends docker-compose-v2", StringComparison.Ordinal));
        Assert.Contains(shell.Ran, c => c.StartsWith("setsid dockerd", StringComparison.Ordinal));
        Assert.Contains(shell.Ran, c => c.Contains("\"max-size\": \"10m\"", StringComparison.Ordinal));
        Assert.Equal(["installed docker.io", "installed docker-compose-v2", "json-file, max-size 10m, max-file 3"], steps.Skip(1).Take(3).Select(s => s.Done));
        Assert.StartsWith("started (Docker 28.0.1)", steps[4].Done, StringComparison.Ordinal);
        Assert.Equal("created /srv/mlstack, 0700", steps[5].Done);
    }

    /// <summary>Answers <c>docker version</c> only after <c>setsid dockerd</c> ran, as a real engine would.</summary>
    private sealed class StartsEngine(ScriptedShell inner, Action start, Func<bool> started) : IRemoteShell
    {
        public SshTarget Target => inner.Target;

        public Task<RemoteCommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken ct = default)
        {
            if (command.StartsWith("setsid dockerd", StringComparison.Ordinal))
                start();
            if (command.StartsWith("docker version", StringComparison.Ordinal))
                return Task.FromResult(new RemoteCommandResult(command, started() ? 0 : 1, started() ? "28.0.1" : "", ""));
            return inner.RunAsync(command, timeout, ct);
        }

        public Task UploadAsync(ReadOnlyMemory<byte> content, string remotePath, UnixFileMode mode, TimeSpan? timeout = null, CancellationToken ct = default) =>
            inner.UploadAsync(content, remotePath, mode, timeout, ct);

        public Task<bool> IsAliveAsync() => inner.IsAliveAsync();
    }

    [Fact]
    public async Task Another_distribution_is_one_line_naming_it_and_nothing_is_installed()
    {
        var shell = new ScriptedShell(("cat /etc/os-release", 0, "PRETTY_NAME=\"Fedora Linux 41\"\nID=fedora\nUID=0\n"));

        var error = await Assert.ThrowsAsync<BuildInputException>(() => new VmBootstrap(shell, "/srv/mlstack", Log).RunAsync(TestContext.Current.CancellationToken));

        Assert.Equal("vm.example.com runs Fedora Linux 41: Bootstrap installs with apt on Debian and Ubuntu only; install Docker Engine and Compose there yourself, then Deploy.", error.Message);
        Assert.Single(shell.Ran);
    }

    [Fact]
    public async Task A_daemon_json_that_is_not_json_is_refused_and_left_as_it_is()
    {
        var shell = new ScriptedShell(
            ("cat /etc/os-release", 0, Debian),
            ("command -v dockerd", 0, "Docker version 28.0.1"),
            ("version --short", 0, "2.30.0"),
            ("cat /etc/docker/daemon.json", 0, "{ \"debug\": tru"));

        var error = await Assert.ThrowsAsync<BuildInputException>(() => new VmBootstrap(shell, "/srv/mlstack", Log).RunAsync(TestContext.Current.CancellationToken));

        Assert.StartsWith("/etc/docker/daemon.json on vm.example.com is not a JSON object", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(shell.Ran, c => c.Contains("daemon.json.tmp", StringComparison.Ordinal));
    }
}
