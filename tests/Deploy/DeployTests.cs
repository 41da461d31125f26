using System.Net.Http.Json;
using Mlstack.Build.Remote;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Deploy;

/// <summary>The whole stack through Deploy, on a fixture VM of its own (network namespace, its own dockerd and sshd):
/// a first release from an empty VM engine; a release that never becomes healthy and rolls back by itself with the
/// data intact; a deploy whose SSH connections are all cut mid-way and finishes anyway; Rollback --to; a held lock
/// and a wrong host key refused; pruning; Releases and Audit along the way.</summary>
[Collection(EngineTests.Name)]
public sealed class DeployTests(TestVm vm, ITestOutputHelper output) : IClassFixture<TestVm>
{
    private const string Port = "18081";
    private readonly string _secret = Guid.NewGuid().ToString("N");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string EnvFile(string name, string extra = "")
    {
        var path = Path.Combine(vm.PrivateRoot, "..", $"{name}.env");
        // Strong, unique values (the prod secret checks apply), the same in every release, as a user's would be;
        // FRONTEND_BIND so the VM's frontend answers at its address.
        var secret = _secret;
        File.WriteAllText(path, $"""
            POSTGRES_USER=mlstack_admin
            POSTGRES_PASSWORD=pg-{secret}
            APP_DB_USER=mlstack
            APP_DB_PASSWORD=app-{secret}
            APP_DB_NAME=mlstack
            OPTUNA_DB_NAME=optuna
            REDIS_PASSWORD=redis-{secret}
            S3_ACCESS_KEY_ID=mlstack-vm
            S3_SECRET_ACCESS_KEY=s3-{secret}
            FRONTEND_BIND=0.0.0.0
            FRONTEND_PORT={Port}
            {extra}
            """);
        return Path.GetFullPath(path);
    }

    private Task<ProcessResult> BuildSh(params string[] args) => BuildSh(args, vm.KnownHostsLine);

    private Task<ProcessResult> BuildSh(string[] args, string knownHostsLine)
    {
        var knownHosts = Path.Combine(vm.PrivateRoot, "..", $"known_hosts-{Guid.NewGuid():N}");
        File.WriteAllText(knownHosts, knownHostsLine.Replace("10.0.0.9", vm.Address, StringComparison.Ordinal) + "\n");
        return ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"),
            [.. args, "--host", $"root@{vm.Address}", "--ssh-key", vm.ClientKeyPath, "--known-hosts", knownHosts, "--project-name", "mlstackvm"],
            timeout: TimeSpan.FromMinutes(20));
    }

    /// <summary>One scenario, in order, because each step starts from the VM the step before left.</summary>
    [Fact]
    public async Task The_whole_stack_deploys_rolls_back_by_itself_survives_a_cut_connection_and_refuses_what_it_must()
    {
        vm.Require();
        var good = EnvFile("good");
        var first = await BuildSh("Deploy", "--env-file", good);
        output.WriteLine(first.Output);
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("SmokeTest: ", first.Output);
        var firstId = LiveRelease(first.Output);

        using var http = new HttpClient { BaseAddress = new Uri($"http://{vm.Address}:{Port}") };
        var health = await http.GetFromJsonAsync<HealthAnswer>("/api/health", Ct);
        Assert.Equal("ok", health!.Status);

        // A row written before the next deploy must survive it, and its rollback.
        var session = await ConnectAsync();
        var marker = Guid.NewGuid().ToString("N");
        await PsqlAsync(session, $"CREATE TABLE IF NOT EXISTS deploy_marker (v text); INSERT INTO deploy_marker VALUES ('{marker}')");

        // A release whose ml-service never gets healthy goes back to the first one by itself.
        var broken = await BuildSh("Deploy", "--env-file", EnvFile("broken", "S3_ENDPOINT_URL=http://127.0.0.1:1"));
        output.WriteLine(broken.Output);
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains($"rolling back to {firstId}", broken.Output);
        Assert.Contains($"rolled back to {firstId}", broken.Output);
        Assert.Equal("ok", (await http.GetFromJsonAsync<HealthAnswer>("/api/health", Ct))!.Status);
        Assert.Contains(marker, await PsqlAsync(session, "SELECT v FROM deploy_marker"));

        // Every SSH connection cut mid-deploy: the deploy reconnects, takes the lock again and finishes the release.
        var releasesFolder = Path.Combine(vm.PrivateSrv, "mlstack", "releases");
        var before = Directory.GetDirectories(releasesFolder).ToHashSet();
        var cut = BuildSh("Deploy", "--env-file", good);
        await WaitForAsync(() => Directory.GetDirectories(releasesFolder).Any(d => !before.Contains(d)) || cut.IsCompleted, TimeSpan.FromMinutes(5));
        await Task.Delay(2000, Ct);
        await vm.DropSshConnectionsAsync();
        var reconnected = await cut;
        await session.DisposeAsync(); // cut with the rest
        session = await ConnectAsync();
        output.WriteLine(reconnected.Output);
        Assert.True(reconnected.ExitCode == 0, reconnected.Output);
        Assert.Contains("was lost during", reconnected.Output);
        var thirdId = LiveRelease(reconnected.Output);
        var listing = (await BuildSh("Releases")).Output;
        Assert.Matches($@"{thirdId}\s.*healthy\s+current, last good", listing);
        Assert.Matches($@"{firstId}\s.*healthy", listing);
        Assert.Contains("failed", listing);
        Assert.DoesNotContain("pending", listing);

        // Back to the first release by hand; the data stays.
        var rollback = await BuildSh("Rollback", "--to", firstId);
        output.WriteLine(rollback.Output);
        Assert.True(rollback.ExitCode == 0, rollback.Output);
        Assert.Matches($@"{firstId}\s.*healthy\s+current, last good", (await BuildSh("Releases")).Output);
        Assert.Equal("ok", (await http.GetFromJsonAsync<HealthAnswer>("/api/health", Ct))!.Status);
        Assert.Contains(marker, await PsqlAsync(session, "SELECT v FROM deploy_marker"));

        // Another deploy holds the lock: refused at once, naming it.
        var log = new Mlstack.Build.Host.BuildLog(TextWriter.Null, new Mlstack.Build.Host.SecretMasker(), false);
        await using (await Mlstack.Build.Deploy.DeployLock.AcquireAsync(session, "/srv/mlstack", new("alice", "laptop", "r-held", DateTimeOffset.UtcNow), TimeSpan.Zero, log, Ct))
        {
            var locked = await BuildSh("Deploy", "--env-file", good);
            Assert.Equal(1, locked.ExitCode);
            Assert.Contains("the lock is held by alice@laptop", locked.Output);
            Assert.Contains("for release r-held", locked.Output);
        }

        // A host key that is not the VM's: refused before any command runs there.
        var state = VmState();
        var wrongKey = await BuildSh(["Deploy", "--env-file", good], "10.0.0.9 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl");
        Assert.NotEqual(0, wrongKey.ExitCode);
        Assert.Contains(vm.HostKeyFingerprint, wrongKey.Output);
        Assert.Equal(state, VmState());

        // Keeping one healthy release: the new one stays (current, last good, its images); the older ones go. Given as
        // the deploy workflow gives it: the key, the env file and the host key in environment variables, no files.
        var pruning = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Deploy", "--keep-releases", "1", "--project-name", "mlstackvm"],
            new Dictionary<string, string?>
            {
                ["Host"] = $"root@{vm.Address}",
                ["HostFingerprint"] = vm.HostKeyFingerprint,
                ["SshPrivateKey"] = File.ReadAllText(vm.ClientKeyPath),
                ["StackEnv"] = File.ReadAllText(good),
            },
            timeout: TimeSpan.FromMinutes(20));
        output.WriteLine(pruning.Output);
        Assert.True(pruning.ExitCode == 0, pruning.Output);
        var lastId = LiveRelease(pruning.Output);
        Assert.DoesNotContain("PRIVATE KEY", pruning.Output);
        Assert.DoesNotContain(_secret, pruning.Output);
        Assert.Equal([lastId], Directory.GetDirectories(releasesFolder).Select(Path.GetFileName));
        Assert.Equal("ok", (await http.GetFromJsonAsync<HealthAnswer>("/api/health", Ct))!.Status);

        await session.DisposeAsync();
        var audit = await BuildSh("Audit");
        Assert.Contains("deployed", audit.Output);
        Assert.Contains("rolled back by hand", audit.Output);
        Assert.Contains("rolled back ", audit.Output);
        Assert.DoesNotContain("pg-", audit.Output); // no secret in the audit log
    }

    private Task<SshSession> ConnectAsync() =>
        SshSession.ConnectAsync(vm.Target, HostKeyTrust.Pinned(vm.HostKeyFingerprint), vm.ClientKeyPath, Ct);

    private static string LiveRelease(string output) =>
        System.Text.RegularExpressions.Regex.Match(output, @"Deploy: release (\S+) is live on").Groups[1].Value is { Length: > 0 } id ? id
            : throw new Xunit.Sdk.XunitException("no 'Deploy: release … is live' line in:\n" + output);

    /// <summary>Everything under the VM's deploy path, with sizes and times: equal means nothing there changed.</summary>
    private string VmState() => string.Join('\n', Directory.EnumerateFileSystemEntries(Path.Combine(vm.PrivateSrv, "mlstack"), "*", SearchOption.AllDirectories)
        .Order(StringComparer.Ordinal).Select(p => $"{p} {new FileInfo(p).LastWriteTimeUtc.Ticks}"));

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan limit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < limit, $"waited {limit} in vain");
            await Task.Delay(200, Ct);
        }
    }

    private static async Task<string> PsqlAsync(SshSession session, string sql)
    {
        var command = $"docker exec -i $(docker ps -q --filter label=com.docker.compose.project=mlstackvm --filter label=com.docker.compose.service=postgres) sh -c 'psql -U \"$POSTGRES_USER\" -d mlstack -tA' <<'SQL'\n{sql}\nSQL";
        return (await session.RunAsync(command, TimeSpan.FromSeconds(30), Ct)).EnsureSuccess().Output;
    }

    private sealed record HealthAnswer(string Status);
}
