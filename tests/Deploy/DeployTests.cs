using System.Net.Http.Json;
using Mlstack.Build.Remote;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

using Mlstack.Tests.Stack;

namespace Mlstack.Tests.Deploy;

/// <summary>The whole stack through Deploy, on a fixture VM of its own (network namespace, its own dockerd and sshd):
/// a first release from an empty VM engine; a release that never becomes healthy and rolls back by itself with the
/// data intact; a deploy whose SSH connections are all cut mid-way and finishes anyway; Rollback --to; a held lock
/// and a wrong host key refused; a release of code, page and routes that moves only the changed layers and rolls
/// ml-service and the frontend new-beside-old behind an edge that stays, while a training run and an Optuna study queued
/// just before it finish whole; pruning; Releases and Audit along the way.
/// A probe sends 50 requests a second through the VM's port during the broken release, the rollback and that release:
/// none may fail. Backup, VerifyBackup and Restore on a VM are <see cref="VmBackupTests"/>.</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(VmDeploys.Name)]
public sealed class DeployTests(TestVm vm, ITestOutputHelper output) : IClassFixture<TestVm>
{
    private readonly VmStackDriver _driver = new(vm);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string EnvFile(string name, string extra = "") => _driver.EnvFile(name, extra);

    private Task<ProcessResult> BuildSh(params string[] args) => _driver.BuildSh(args);

    private Task<ProcessResult> BuildSh(string[] args, string knownHostsLine) => _driver.BuildSh(args, knownHostsLine);

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

        // HTTPS with the operator's certificate (the test CA's, for the VM's address): SmokeTest checked it; plain
        // HTTP redirects there; HSTS on every answer.
        Assert.Matches(@"edge\s+HTTPS certificate: chain, name, expiry\s+✓ pass", first.Output);
        using var http = _driver.Http();
        Assert.Equal("ok", await VmStackDriver.HealthAsync(http, Ct));
        using (var plain = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }))
        using (var redirect = await plain.GetAsync($"http://{vm.Address}:{VmStackDriver.HttpPort}/api/health", Ct))
        {
            Assert.Equal(System.Net.HttpStatusCode.MovedPermanently, redirect.StatusCode);
            Assert.Equal($"{_driver.BaseUri}api/health", redirect.Headers.Location?.ToString());
        }

        using (var secure = await http.GetAsync(new Uri("/api/health", UriKind.Relative), Ct))
            Assert.Equal("max-age=31536000", Assert.Single(secure.Headers.GetValues("Strict-Transport-Security")));

        // No anonymous writes on the VM: ApiToken --host makes a token there (through the VM's engine, its postgres),
        // which the VM's edge lets write; without one, a DELETE is 401 (no such study either way: nothing is deleted).
        var made = await BuildSh("ApiToken", "--name", "vm-ci", "--create", "--env-file", good);
        Assert.True(made.ExitCode == 0, made.Output);
        var token = System.Text.RegularExpressions.Regex.Match(made.Output, "^mlst_[A-Za-z0-9_-]{43}$", System.Text.RegularExpressions.RegexOptions.Multiline).Value;
        Assert.NotEmpty(token);
        using (var anonymous = new HttpClient(TrafficProbe.Trusting(_driver.TrustedRoot)) { BaseAddress = http.BaseAddress })
        using (var refused = await anonymous.DeleteAsync("/api/studies/none", Ct))
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        using (var withToken = new HttpClient(TrafficProbe.Trusting(_driver.TrustedRoot)) { BaseAddress = http.BaseAddress, DefaultRequestHeaders = { Authorization = new("Bearer", token) } })
        using (var allowed = await withToken.DeleteAsync("/api/studies/none", Ct))
            Assert.Equal(System.Net.HttpStatusCode.NotFound, allowed.StatusCode);

        // The same release again: no new release on the VM, no container touched.
        var releasesFolder = _driver.ReleasesFolder;
        var again = await BuildSh("Deploy", "--env-file", good);
        output.WriteLine(again.Output);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains($"nothing changed since release {firstId}", again.Output);
        Assert.Contains("no container touched", again.Output);
        Assert.Single(Directory.GetDirectories(releasesFolder));

        // A row written before the next deploy must survive it, and its rollback.
        var session = await ConnectAsync();
        await NoSecretShowsOnTheVmAsync(session, good);
        var marker = Guid.NewGuid().ToString("N");
        await PsqlAsync(session, $"CREATE TABLE IF NOT EXISTS deploy_marker (v text); INSERT INTO deploy_marker VALUES ('{marker}')");

        // A release whose ml-service never becomes healthy (issue #22's broken release): its new copy starts beside the
        // old one, runs, and fails its healthcheck forever (the probe asks for a path the app does not have), while the
        // one-shots and everything else are as in the first release. The new copy is removed; the old one, which never
        // stopped serving, is the same container after the deploy; the release is marked failed and the VM goes back to
        // the first release by itself, touching nothing more; the probe sees no failure. The broken healthcheck also
        // runs every 2 s with no start period, so the engine calls the copy unhealthy ~10 s after it starts: with the
        // release's own timing (40 s start period, 6 × 5 s) that would take ~70 s, and a copy left "starting" would be
        // waited for ServiceRollout's 90 s limit (start period + retries + timeout + margin): a minute more of the
        // system tier for the same proof. The clone knows what the last Up left running from the VM's record of it,
        // as a deploy from any checkout does, so only ml-service is a change.
        var beforeBroken = await ContainersAsync(session);
        await using var brokenTraffic = Probe();
        var broken = await DeployCloneAsync(good, [], clone => Edit(clone, "stack/compose.yaml", MlServiceHealthcheck, NeverHealthy));
        AssertNoRequestDropped(await brokenTraffic.StopAsync(), "a broken release and its rollback");
        Assert.Equal(1, broken.ExitCode);
        var brokenId = System.Text.RegularExpressions.Regex.Match(broken.Output, @"Deploy: release (\S+) uploaded to").Groups[1].Value;
        Assert.NotEmpty(brokenId);
        Assert.Contains("Rollout: ml-service: starting a new copy beside", broken.Output);
        Assert.Matches(@"ml-service 's new copy mlstackvm[-_]ml-service[-_]\d+ (became unhealthy|was not healthy after \d+s)", broken.Output);
        Assert.Matches(@"Rollout: ml-service: new copy \S+ removed; \S+ serves? on, nothing switched", broken.Output);
        Assert.DoesNotContain("traffic moved", broken.Output);
        Assert.Contains($"rolling back to {firstId}", broken.Output);
        Assert.Contains($"rolled back to {firstId}", broken.Output);
        Assert.Contains($"no backup of {firstId}'s data before switching", broken.Output); // no --backup-password given
        var afterBroken = await ContainersAsync(session);
        foreach (var service in new[] { "ml-service", "frontend", "edge", "postgres" })
            Assert.Equal(beforeBroken[service], afterBroken[service]); // the very containers: no copy left, none replaced
        Assert.Matches($@"{brokenId}\s.*failed", (await BuildSh("Releases")).Output);
        Assert.Equal("ok", await VmStackDriver.HealthAsync(http, Ct));
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

        // Back to the first release by hand, new beside old: the data stays, no request is dropped.
        await using var rollbackTraffic = Probe();
        var rollback = await BuildSh("Rollback", "--to", firstId);
        output.WriteLine(rollback.Output);
        Assert.True(rollback.ExitCode == 0, rollback.Output);
        AssertNoRequestDropped(await rollbackTraffic.StopAsync(), "Rollback --to");
        Assert.Matches($@"{firstId}\s.*healthy\s+current, last good", (await BuildSh("Releases")).Output);
        Assert.Equal("ok", await VmStackDriver.HealthAsync(http, Ct));
        Assert.Contains(marker, await PsqlAsync(session, "SELECT v FROM deploy_marker"));

        // Another deploy holds the lock: refused at once, naming it.
        var log = new Mlstack.Build.Core.BuildLog(TextWriter.Null, new Mlstack.Build.Core.SecretMasker(), false);
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

        // A release of code (ml-service), page (the frontend's image), the edge's image and routes (its config), under
        // load: only the three images' new layers reach the VM; the edge is rolled new-beside-old on the same port in
        // edge-net's network, which stays; then ml-service and the frontend new-beside-old behind the new edge (the new
        // routes applied by a reload); the data services stay; no request is dropped.
        var running = await ContainersAsync(session);
        var routes = Guid.NewGuid().ToString("N");
        await using var releaseTraffic = Probe();
        var queued = await TrainAsync(http); // queued just before the release replaces every worker: it must end succeeded
        var study = await StartStudyAsync(http, StudyTrials); // its trials too: each ends complete, none lost or failed
        var changed = await DeployChangedCloneAsync(good, routes);
        AssertNoRequestDropped(await releaseTraffic.StopAsync(), "a release of ml-service, the frontend, the edge's image and its routes");
        var shipped = System.Text.RegularExpressions.Regex.Matches(changed, @"Deploy: shipped (\S+) \(\w+\): ([\d.]+) (B|kB|MB|GB) in (\d+) layer\(s\), (\d+) already on the VM");
        Assert.Equal(["mlstack/edge", "mlstack/frontend", "mlstack/ml-service"], shipped.Select(m => m.Groups[1].Value.Split(':')[0]).Order());
        foreach (System.Text.RegularExpressions.Match image in shipped)
        {
            await ChildProcess.RunAsync("docker", ["rmi", image.Groups[1].Value]); // the local engine keeps only this commit's images
            var moved = double.Parse(image.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)
                * Math.Pow(1024, Array.IndexOf(["B", "kB", "MB", "GB"], image.Groups[3].Value));
            Assert.InRange(moved, 1, 2 * 1024 * 1024); // the changed layer, not the image's hundreds of MB
            Assert.NotEqual("0", image.Groups[5].Value);
        }

        foreach (var service in new[] { "ml-service", "frontend" })
            Assert.Matches($@"Rollout: {service}: traffic moved to \S+ after [\d.]+s", changed);
        Assert.Matches(@"Rollout: edge: \S+ healthy and taking connections beside \S+ after [\d.]+s", changed);
        var after = await ContainersAsync(session);
        foreach (var kept in new[] { "edge-net", "postgres", "redis", "objectstore" })
            Assert.Equal(running[kept], after[kept]);
        foreach (var rolled in new[] { "ml-service", "frontend", "edge" })
            Assert.Empty(after[rolled].Intersect(running[rolled]));
        using (var page = await http.GetAsync(new Uri("/", UriKind.Relative), Ct))
            Assert.Equal(routes, Assert.Single(page.Headers.GetValues("X-Mlstack-Routes")));
        Assert.Equal("succeeded", await RunStatusAsync(http, queued, TimeSpan.FromMinutes(3)));
        var trials = await StudyTrialsAsync(http, study, StudyTrials, TimeSpan.FromMinutes(3));
        Assert.True(trials.Length == StudyTrials && trials.All(t => t == "complete"), $"study {study}'s trials after the release: {string.Join(", ", trials)}");
        Assert.Equal("ok", await VmStackDriver.HealthAsync(http, Ct));

        // A canary (--canary 15s, 10 % of the traffic: ~75 requests at the probe's rate, ~37 of them /runs) of a release
        // whose ml-service answers 500 to a fifth of GET /runs (none in 37: 0.03 %): judged worse than the old copy by the edge's figures, so rolled back by itself with both sets of
        // figures in the audit line; the probe sees only the canary's share of failures, and none after.
        await using (var canaryTraffic = TrafficProbe.Start(_driver.BaseUri, [ProbeRequest.Get("/api/runs"), ProbeRequest.Get("/api/health")], rate: 50, trust: _driver.TrustedRoot))
        {
            var canary = await DeployCloneAsync(good, ["--canary", "15s"], clone => Edit(clone, "docker/ml-service/mlservice/main.py",
                "def runs(limit: int = 20):\n", "def runs(limit: int = 20):\n    import random\n    if random.random() < 0.2:\n        raise HTTPException(500, \"canary test\")\n"));
            Assert.Equal(1, canary.ExitCode);
            Assert.Contains("Canary: ml-service: 10% of its traffic to", canary.Output);
            Assert.Matches(@"Canary of ml-service failed: 5xx rate regressed beyond 1%: new copy \d+ requests, [1-9]\d* 5xx", canary.Output);
            var settled = canaryTraffic.Mark("deploy ended");
            await Task.Delay(5000, Ct);
            var traffic = await canaryTraffic.StopAsync();
            output.WriteLine($"Traffic during the canary:\n{traffic}");
            Assert.All(traffic.Outcomes.Where(o => o.Failed), o => Assert.Equal(("GET /api/runs", 500), (o.Kind, o.Status)));
            Assert.InRange(traffic.Failed, 0, traffic.Total / 20);
            Assert.Equal(0, traffic.Window(settled, DateTimeOffset.MaxValue).Failed);
        }

        Assert.Matches("rolled back.*Canary of ml-service failed: 5xx rate regressed.*new copy.*old", (await BuildSh("Audit")).Output);
        Assert.Equal("ok", await VmStackDriver.HealthAsync(http, Ct));

        // Keeping one healthy release: the new one stays (current, last good, its images); the older ones go. Given as
        // the deploy workflow gives it: the key, the env file and the host key in environment variables, no files.
        var pruning = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Deploy", "--keep-releases", "1", "--project-name", "mlstackvm"],
            new Dictionary<string, string?>
            {
                ["Host"] = $"root@{vm.Address}",
                ["HostFingerprint"] = vm.HostKeyFingerprint,
                ["SshPrivateKey"] = File.ReadAllText(vm.ClientKeyPath),
                ["StackEnv"] = File.ReadAllText(good),
                ["TlsCert"] = _driver.CertificateFile,
                ["TlsPrivateKey"] = File.ReadAllText(_driver.KeyFile),
            },
            timeout: TimeSpan.FromMinutes(20));
        output.WriteLine(pruning.Output);
        Assert.True(pruning.ExitCode == 0, pruning.Output);
        var lastId = LiveRelease(pruning.Output);
        Assert.DoesNotContain("PRIVATE KEY", pruning.Output);
        Assert.DoesNotContain(_driver.Secret, pruning.Output);
        Assert.Equal([lastId], Directory.GetDirectories(releasesFolder).Select(Path.GetFileName));
        Assert.Equal("ok", await VmStackDriver.HealthAsync(http, Ct));

        await session.DisposeAsync();
        var audit = await BuildSh("Audit");
        Assert.Contains("deployed", audit.Output);
        Assert.Contains("unchanged", audit.Output);
        Assert.Contains("rolled back by hand", audit.Output);
        Assert.Matches(@"deployed .*gates and smoke passed; .*ml-service new copy healthy after [\d.]+s, traffic moved after [\d.]+s, old drained in [\d.]+s", audit.Output);
        Assert.Contains("rolled back ", audit.Output);
        Assert.DoesNotContain("pg-", audit.Output); // no secret in the audit log
    }

    /// <summary>Deploys a clone of this commit with a line more in ml-service's code, the frontend's page and the edge's
    /// script, and a header in the edge's routes (<paramref name="routes"/> its value); returns the deploy's output.</summary>
    private async Task<string> DeployChangedCloneAsync(string envFile, string routes)
    {
        var deploy = await DeployCloneAsync(envFile, [], clone =>
        {
            File.AppendAllText(Path.Combine(clone, "docker", "frontend", "index.html"), $"<!-- deploy test {routes} -->\n");
            File.AppendAllText(Path.Combine(clone, "docker", "ml-service", "mlservice", "health.py"), $"# deploy test {routes}\n");
            File.AppendAllText(Path.Combine(clone, "docker", "edge", "edge.sh"), $"# deploy test {routes}\n");
            Edit(clone, "stack/config/edge/site.conf", "listen unix:/tmp/edge/router.sock;", $"listen unix:/tmp/edge/router.sock;\n    add_header X-Mlstack-Routes \"{routes}\" always;");
        });
        Assert.True(deploy.ExitCode == 0, deploy.Output);
        return deploy.Output;
    }

    /// <summary>ml-service's healthcheck in stack/compose.yaml, and a broken one: the same probe of a path the app does
    /// not have (404, so never healthy), every 2 s, no start period, unhealthy after 5 failures.</summary>
    private const string MlServiceHealthcheck = """
        urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]
              interval: 5s
              timeout: 5s
              retries: 6
              start_period: 40s
        """;

    private const string NeverHealthy = """
        urlopen('http://127.0.0.1:8000/never-healthy', timeout=2).status == 200 else 1)"]
              interval: 2s
              timeout: 2s
              retries: 5
              start_period: 0s
        """;

    /// <summary>Deploys a clone of this commit, changed by <paramref name="change"/>, built by this build program with --root.</summary>
    private async Task<ProcessResult> DeployCloneAsync(string envFile, string[] arguments, Action<string> change)
    {
        var clone = Directory.CreateTempSubdirectory("mlstack-deploy-clone-").FullName;
        try
        {
            Assert.Equal(0, (await ChildProcess.RunAsync("git", ["clone", "-q", "--shared", RepositoryRoot.Path, clone])).ExitCode);
            change(clone);

            var deploy = await BuildSh(["Deploy", "--env-file", envFile, "--root", clone, .. arguments]);
            output.WriteLine(deploy.Output);
            return deploy;
        }
        finally
        {
            await ChildProcess.RunAsync("rm", ["-rf", clone]);
        }
    }

    /// <summary>Replaces text in a file of the clone; the text must be there once, or the test would prove nothing.</summary>
    private static void Edit(string clone, string file, string find, string replacement)
    {
        var path = Path.Combine(clone, file);
        var text = File.ReadAllText(path);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, System.Text.RegularExpressions.Regex.Escape(find)));
        File.WriteAllText(path, text.Replace(find, replacement, StringComparison.Ordinal));
    }

    /// <summary>Queues a training run through the VM's edge; its id.</summary>
    private static async Task<string> TrainAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("/api/train", new { samples = 20000, seed = 11 }, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Dictionary<string, object>>(Ct))!["run_id"].ToString()!;
    }

    /// <summary>A small study's trials (a few, each a few seconds on the heavy tier), queued together.</summary>
    private const int StudyTrials = 6;

    /// <summary>Creates an Optuna study through the VM's edge (no pruner: every trial that runs to its end is complete)
    /// and queues <paramref name="trials"/> trials of it; its name.</summary>
    private static async Task<string> StartStudyAsync(HttpClient http, int trials)
    {
        var name = $"release-{Guid.NewGuid():N}"[..20];
        using (var created = await http.PostAsJsonAsync("/api/studies", new { name, pruner = "none" }, Ct))
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        using (var optimize = await http.PostAsJsonAsync($"/api/studies/{name}/optimize", new { trials, samples = 5000, seed = 5 }, Ct))
            Assert.Equal(System.Net.HttpStatusCode.Accepted, optimize.StatusCode);
        return name;
    }

    /// <summary>The states of the study's trials once <paramref name="expected"/> of them have ended (complete, pruned or
    /// failed), or as they are at the limit. A trial cut off by a worker's stop would stay "running", and its task, put
    /// back on the queue, would add one more.</summary>
    private static async Task<string[]> StudyTrialsAsync(HttpClient http, string study, int expected, TimeSpan limit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string[] states = [];
        while (clock.Elapsed < limit)
        {
            states = [.. (await http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/studies/{study}/trials", Ct)).EnumerateArray().Select(t => t.GetProperty("state").GetString()!)];
            if (states.Count(s => s is "complete" or "pruned" or "fail") >= expected)
                break;
            await Task.Delay(1000, Ct);
        }

        return states;
    }

    /// <summary>The run's status once it is no longer queued or running, or the last one seen at the limit.</summary>
    private static async Task<string> RunStatusAsync(HttpClient http, string runId, TimeSpan limit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var status = "unknown";
        while (clock.Elapsed < limit)
        {
            status = (await http.GetFromJsonAsync<Dictionary<string, object>>($"/api/runs/{runId}", Ct))!["status"].ToString()!;
            if (status is not ("queued" or "running"))
                break;
            await Task.Delay(1000, Ct);
        }

        return status;
    }

    /// <summary>Predictions' way in (ml-service's health, through the edge) and the page, 50 a second through the
    /// VM's published port, from now until stopped.</summary>
    private TrafficProbe Probe() =>
        TrafficProbe.Start(_driver.BaseUri, [ProbeRequest.Get("/api/health"), ProbeRequest.Get("/")], rate: 50, trust: _driver.TrustedRoot);

    private void AssertNoRequestDropped(TrafficReport traffic, string during) => TrafficAssert.NoRequestDropped(traffic, during, output);

    /// <summary>No password of the env file (nor one derived from them) in any container's inspect on the VM; the
    /// secret files next to the releases: root's alone to enter (0700), each 0440 for the secrets' group.</summary>
    private async Task NoSecretShowsOnTheVmAsync(SshSession session, string envFile)
    {
        var inspect = (await session.RunAsync("docker inspect $(docker ps -aq --filter label=com.docker.compose.project=mlstackvm)", TimeSpan.FromSeconds(30), Ct)).EnsureSuccess().Output;
        var settings = Mlstack.Build.Stack.EnvFile.Read(envFile);
        var findings = SecretScan.Findings(inspect, SecretScan.Values(settings));
        Assert.True(findings.Count == 0, "secrets in the VM engine's view of the stack:\n" + string.Join('\n', findings));
        var modes = (await session.RunAsync("stat -c '%a %u' /srv/mlstack/secrets; stat -c '%a %u %g' /srv/mlstack/secrets/*/*", TimeSpan.FromSeconds(30), Ct)).EnsureSuccess().Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("700 0", modes[0]);
        Assert.Equal(Mlstack.Build.Stack.StackSecrets.From(settings).Count, modes.Length - 1); // one release so far: one version of each
        Assert.All(modes.Skip(1), m => Assert.Equal("440 0 10001", m));
    }

    /// <summary>Each service's running containers, by id.</summary>
    private static async Task<Dictionary<string, string[]>> ContainersAsync(SshSession session) =>
        (await session.RunAsync("docker ps --filter label=com.docker.compose.project=mlstackvm --format '{{.Label \"com.docker.compose.service\"}} {{.ID}}'", TimeSpan.FromSeconds(30), Ct))
        .EnsureSuccess().Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(line => line.Split(' ')).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Select(p => p[1]).Order().ToArray());

    private Task<SshSession> ConnectAsync() => _driver.ConnectAsync(Ct);

    private static string LiveRelease(string output) => VmStackDriver.LiveRelease(output);

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

    private static Task<string> PsqlAsync(SshSession session, string sql) => VmStackDriver.PsqlAsync(session, sql, Ct);
}
