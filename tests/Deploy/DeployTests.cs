using System.Net.Http.Json;
using Mlstack.Build.Remote;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Deploy;

/// <summary>The whole stack through Deploy, on a fixture VM of its own (network namespace, its own dockerd and sshd):
/// a first release from an empty VM engine; a release that never becomes healthy and rolls back by itself with the
/// data intact; a deploy whose SSH connections are all cut mid-way and finishes anyway; Rollback --to; a held lock
/// and a wrong host key refused; a release with one image changed that moves only that image's new layers and
/// recreates only its service; pruning; Releases and Audit along the way.</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
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

        // The same release again: no new release on the VM, no container touched.
        var releasesFolder = Path.Combine(vm.PrivateSrv, "mlstack", "releases");
        var again = await BuildSh("Deploy", "--env-file", good);
        output.WriteLine(again.Output);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains($"nothing changed since release {firstId}", again.Output);
        Assert.Contains("no container touched", again.Output);
        Assert.Single(Directory.GetDirectories(releasesFolder));

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
        Assert.Contains($"no backup of {firstId}'s data before switching", broken.Output); // no --backup-password given
        Assert.Equal("ok", (await http.GetFromJsonAsync<HealthAnswer>("/api/health", Ct))!.Status);
        Assert.Contains(marker, await PsqlAsync(session, "SELECT v FROM deploy_marker"));

        // Every SSH connection cut mid-deploy (of a release with other settings, so there is one to ship): the deploy
        // reconnects, takes the lock again and finishes the release.
        var before = Directory.GetDirectories(releasesFolder).ToHashSet();
        var cut = BuildSh("Deploy", "--env-file", EnvFile("quieter", "LOG_LEVEL=warning"));
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

        // One image changed (a clone of this commit with a line added to the frontend's page, built by this build
        // program with --root): only that image's new layers reach the VM, and only its service is recreated.
        var containers = await ContainersAsync(session);
        var changed = await DeployChangedFrontendAsync(good);
        var shipped = System.Text.RegularExpressions.Regex.Matches(changed, @"Deploy: shipped (\S+) \(\w+\): ([\d.]+) (B|kB|MB|GB) in (\d+) layer\(s\), (\d+) already on the VM");
        var frontend = Assert.Single(shipped);
        Assert.StartsWith("mlstack/frontend:", frontend.Groups[1].Value);
        await ChildProcess.RunAsync("docker", ["rmi", frontend.Groups[1].Value]); // the local engine keeps only this commit's images
        var moved = double.Parse(frontend.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)
            * Math.Pow(1024, Array.IndexOf(["B", "kB", "MB", "GB"], frontend.Groups[3].Value));
        Assert.InRange(moved, 1, 64 * 1024); // the page's layer, not the image's ~100 MB
        Assert.NotEqual("0", frontend.Groups[5].Value);
        var recreated = (await ContainersAsync(session)).Except(containers).Select(c => c.Split(' ')[0]).ToList();
        Assert.Equal(["frontend"], recreated);
        Assert.Equal("ok", (await http.GetFromJsonAsync<HealthAnswer>("/api/health", Ct))!.Status);

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

        // The deployed stack's data, backed up on the VM into a repository there, proven by a restore into a scratch
        // project there, and put back after a row is lost.
        string[] backupArgs = ["--env-file", good, "--backup-password", $"bk-{_secret}"];
        var backup = await BuildSh(["Backup", .. backupArgs]);
        output.WriteLine(backup.Output);
        Assert.True(backup.ExitCode == 0, backup.Output);
        var backupId = System.Text.RegularExpressions.Regex.Match(backup.Output, @"Backup: backup (\w{8}) of mlstackvm").Groups[1].Value;
        Assert.NotEmpty(backupId);
        var repository = new DirectoryInfo(Path.Combine(vm.PrivateSrv, "mlstack", "backups", "mlstackvm"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, repository.UnixFileMode);
        var backups = await BuildSh(["Backups", .. backupArgs]);
        output.WriteLine(backups.Output);
        Assert.Matches($@"{backupId}\s.*\sprod\s", backups.Output);
        var verify = await BuildSh(["VerifyBackup", .. backupArgs]);
        output.WriteLine(verify.Output);
        Assert.True(verify.ExitCode == 0, verify.Output);
        Assert.Contains("verified", verify.Output);
        // The whole stack ran on the restored data there, and was smoked through an SSH tunnel to its unpublished frontend.
        Assert.Contains("the app starts on it, passes its health gates and smoke checks", verify.Output);
        Assert.Matches(@"SmokeTest: 2\d checks passed in [\d.]+s against mlstackvmverify", verify.Output);
        // No container of another compose project (the scratch stack's), no scratch volume and no scratch compose file is left on the VM.
        var leftovers = await session.RunAsync("docker ps -a --filter label=com.docker.compose.project --format '{{.Label \"com.docker.compose.project\"}}' | grep -vx mlstackvm; docker volume ls -q | grep verify; ls /srv/mlstack | grep verify || true", TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(string.Empty, leftovers.Output.Trim());
        await PsqlAsync(session, "DELETE FROM deploy_marker");
        var restore = await BuildSh(["Restore", "--yes", .. backupArgs]);
        output.WriteLine(restore.Output);
        Assert.True(restore.ExitCode == 0, restore.Output);
        Assert.Contains(marker, await PsqlAsync(session, "SELECT v FROM deploy_marker"));
        Assert.Equal("ok", (await http.GetFromJsonAsync<HealthAnswer>("/api/health", Ct))!.Status);

        // The next deploy backs up the outgoing release's data before it switches, tagged with that release; Rollback
        // refuses --restore-data without --yes, and with it brings back the row deleted after the deploy.
        var backedUp = await BuildSh("Deploy", "--env-file", EnvFile("quieter", "LOG_LEVEL=warning"), "--backup-password", $"bk-{_secret}");
        output.WriteLine(backedUp.Output);
        Assert.True(backedUp.ExitCode == 0, backedUp.Output);
        var beforeSwitch = System.Text.RegularExpressions.Regex.Match(backedUp.Output, @"Deploy: backup (\w{8}) holds (\S+)'s data from before the switch");
        Assert.Equal(lastId, beforeSwitch.Groups[2].Value);
        var backupOfLast = beforeSwitch.Groups[1].Value;
        var newestId = LiveRelease(backedUp.Output);
        Assert.Matches($@"{backupOfLast}\s.*{lastId}\s+prod\s.*before-deploy-of-{newestId}", (await BuildSh(["Backups", .. backupArgs])).Output);
        await PsqlAsync(session, "DELETE FROM deploy_marker");
        var unconfirmed = await BuildSh(["Rollback", "--restore-data", .. backupArgs]);
        Assert.Equal(1, unconfirmed.ExitCode);
        Assert.Contains("needs --yes", unconfirmed.Output);
        var withData = await BuildSh(["Rollback", "--restore-data", "--yes", .. backupArgs]);
        output.WriteLine(withData.Output);
        Assert.True(withData.ExitCode == 0, withData.Output);
        Assert.Contains($"runs release {lastId} (was {newestId}); data restored from backup {backupOfLast}", withData.Output);
        Assert.Matches($@"{lastId}\s.*healthy\s+current, last good", (await BuildSh("Releases")).Output);
        Assert.Contains(marker, await PsqlAsync(session, "SELECT v FROM deploy_marker"));
        Assert.Equal("ok", (await http.GetFromJsonAsync<HealthAnswer>("/api/health", Ct))!.Status);
        Assert.DoesNotContain($"bk-{_secret}", backup.Output + verify.Output + restore.Output + backedUp.Output + withData.Output);

        await session.DisposeAsync();
        var audit = await BuildSh("Audit");
        Assert.Contains("deployed", audit.Output);
        Assert.Contains("unchanged", audit.Output);
        Assert.Contains("rolled back by hand", audit.Output);
        Assert.Contains("rolled back ", audit.Output);
        Assert.DoesNotContain("pg-", audit.Output); // no secret in the audit log
    }

    /// <summary>Deploys a clone of this commit whose frontend page has one more line; returns the deploy's output.</summary>
    private async Task<string> DeployChangedFrontendAsync(string envFile)
    {
        var clone = Directory.CreateTempSubdirectory("mlstack-deploy-clone-").FullName;
        try
        {
            Assert.Equal(0, (await ChildProcess.RunAsync("git", ["clone", "-q", "--shared", RepositoryRoot.Path, clone])).ExitCode);
            File.AppendAllText(Path.Combine(clone, "docker", "frontend", "index.html"), $"<!-- deploy test {Guid.NewGuid():N} -->\n");
            var deploy = await BuildSh("Deploy", "--env-file", envFile, "--root", clone);
            output.WriteLine(deploy.Output);
            Assert.True(deploy.ExitCode == 0, deploy.Output);
            return deploy.Output;
        }
        finally
        {
            await ChildProcess.RunAsync("rm", ["-rf", clone]);
        }
    }

    /// <summary>"service container-id" for every container of the VM's stack, running or not.</summary>
    /// <summary>"service id" of each container compose made (number 1): the autoscaler's copies of a worker tier come
    /// and go on their own.</summary>
    private static async Task<string[]> ContainersAsync(SshSession session) =>
        (await session.RunAsync("docker ps -a --filter label=com.docker.compose.project=mlstackvm --filter label=com.docker.compose.container-number=1 --format '{{.Label \"com.docker.compose.service\"}} {{.ID}}'", TimeSpan.FromSeconds(30), Ct))
        .EnsureSuccess().Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

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
