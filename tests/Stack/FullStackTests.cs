using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mlstack.Build.Doctor;
using Mlstack.Build.Gates;
using Mlstack.Build.Smoke;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Stack;

/// <summary>The whole platform, the way a user runs it: ./build.sh Up, every service healthy, ./build.sh Down.
/// It runs as its own compose project on other ports, with the example's settings (never the developer's stack/.env),
/// so a developer's own stack, settings and volumes are never touched.</summary>
[Trait(TestTiers.Trait, TestTiers.Integration)]
[Collection(EngineTests.Name)]
public sealed class FullStackTests
{
    private const string Project = "mlstacktest";

    private static readonly Dictionary<string, string?> Ports = new()
    {
        ["FRONTEND_PORT"] = "18080",
        ["POSTGRES_PORT"] = "15432",
        ["REDIS_PORT"] = "16379",
        ["S3_PORT"] = "19000",
        ["PROMETHEUS_PORT"] = "19090",
    };

    private static async Task WaitUntilHealthyAsync(StackEngine engine, string after)
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            await Task.Delay(2000, TestContext.Current.CancellationToken);
            var all = await engine.SnapshotAsync(TestContext.Current.CancellationToken);
            // Running without a healthcheck is edge-net's ready (a sleep that holds the edge's network).
            if (all.All(c => c.Health == "healthy" || (c.IsRunning && c.Health == null) || (c.HasExited && c.ExitCode == 0)))
                return;
        }

        Assert.Fail($"the stack did not become healthy again within 2 minutes of {after}");
    }

    private static Task<ProcessResult> BuildSh(params string[] args) =>
        ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), [.. args, "--project-name", Project, "--env-file", "stack/.env.example"], Ports, timeout: TimeSpan.FromMinutes(25));

    private const string StackUrl = "http://127.0.0.1:18080";

    /// <summary>The example env file's API_TOKEN, which ml-service accepts as the token "env": the tests' writes use it.</summary>
    private static readonly string EnvToken = Mlstack.Build.Stack.EnvFile.Read(Path.Combine(RepositoryRoot.Path, "stack", ".env.example"))["API_TOKEN"];

    /// <summary>The stack through its edge, sending <paramref name="token"/> (default: the env file's; "": none).</summary>
    private static HttpClient Api(string? token = null)
    {
        var http = new HttpClient { BaseAddress = new Uri(StackUrl) };
        if ((token ?? EnvToken).Length > 0)
            http.DefaultRequestHeaders.Authorization = new("Bearer", token ?? EnvToken);
        return http;
    }

    private static IEnumerable<string> FirstContainers(IEnumerable<ContainerSnapshot> containers) =>
        containers.GroupBy(c => c.Service).Select(g => g.MinBy(c => c.Created)!.Id).Order();

    /// <summary>An Optuna study optimized by two heavy replicas at once (the autoscaler takes heavy from 0 to 2 for
    /// it): their trials interleave in the one study; a trial that raises is recorded as failed, with its error.</summary>
    private static async Task StudiesAsync(StackEngine engine)
    {
        using var http = Api();
        var probe = new AutoscalingProbe(engine, http);
        var ct = TestContext.Current.CancellationToken;
        using (var created = await http.PostAsJsonAsync("/api/studies", new { name = "interleave" }, ct))
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        using (var optimize = await http.PostAsJsonAsync("/api/studies/interleave/optimize", new { trials = 16, samples = 50_000 }, ct))
            Assert.Equal(System.Net.HttpStatusCode.Accepted, optimize.StatusCode);
        JsonElement[] trials = [];
        // A guard against a hang, not a speed figure (the time is printed): the trials took 16 s in one CI run and went
        // past the 180 s this was in another (2026-12-01), which looks like a stall; the message says where it stuck.
        var took = await AutoscalingProbe.WaitUntilAsync(async () =>
        {
            trials = [.. (await http.GetFromJsonAsync<JsonElement>("/api/studies/interleave/trials", ct)).EnumerateArray()];
            // A failed trial never completes: say which and why now rather than after the limit.
            var failedTrials = trials.Where(t => t.GetProperty("state").GetString() == "fail").ToList();
            Assert.True(failedTrials.Count == 0, "a trial of the study failed: " + string.Join("; ", failedTrials.Select(t =>
                $"#{t.GetProperty("number")} on {t.GetProperty("worker")} after {t.GetProperty("seconds")}s: {t.GetProperty("error")}")));
            return trials.Count(t => t.GetProperty("state").GetString() is "complete" or "pruned") == 16;
        }, TimeSpan.FromSeconds(360), "16 trials of the study finished", () =>
            $"{trials.Length} trials started: {string.Join(", ", trials.GroupBy(t => t.GetProperty("state").GetString()).Select(g => $"{g.Count()} {g.Key}"))}; " +
            $"by worker: {string.Join(", ", trials.GroupBy(t => t.GetProperty("worker").ToString()).Select(g => $"{g.Key} {g.Count()}"))}");
        TestContext.Current.TestOutputHelper?.WriteLine($"studies: 16 trials finished in {took.TotalSeconds:0}s");
        var workers = trials.OrderBy(t => t.GetProperty("number").GetInt32()).Select(t => t.GetProperty("worker").GetString()).ToList();
        Assert.Equal(2, workers.Distinct().Count());
        Assert.True(workers.Zip(workers.Skip(1)).Count(pair => pair.First != pair.Second) >= 2, $"the replicas' trials do not interleave: {string.Join(" ", workers)}");
        var study = await http.GetFromJsonAsync<JsonElement>("/api/studies/interleave", ct);
        Assert.Equal(JsonValueKind.Number, study.GetProperty("best_value").ValueKind);

        // 3 samples cannot be split into 5 folds: the trial raises, and is recorded as failed with its error.
        var failed = await probe.SendTaskAsync("mlservice.tasks.run_trial", "ml", ["interleave", 3, 1], 120);
        Assert.Equal("fail", failed.GetProperty("state").GetString());
        var recorded = (await http.GetFromJsonAsync<JsonElement>("/api/studies/interleave/trials", ct)).EnumerateArray().Single(t => t.GetProperty("state").GetString() == "fail");
        Assert.Contains("ValueError", recorded.GetProperty("error").GetString());
        Assert.Equal(failed.GetProperty("trial").GetInt32(), recorded.GetProperty("number").GetInt32());

        var chart = await http.GetStringAsync("/api/studies/interleave/chart", ct);
        Assert.Contains("Plotly.newPlot", chart);
        using (var deleted = await http.DeleteAsync("/api/studies/interleave", ct))
            Assert.Equal(System.Net.HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await http.GetAsync("/api/studies/interleave", ct);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
    }

    /// <summary>No anonymous writes, through the edge: a DELETE without a token is 401 (JSON saying how to get one) and
    /// deletes nothing; a token ApiToken made is allowed and its use listed; revoked, it is 403 within ml-service's 5 s
    /// cache; /api/metrics needs a token through the edge (Prometheus scrapes ml-service directly: SmokeTest's targets
    /// check); a client bursting writes past the edge's limit (20 at once) gets 429 with Retry-After.</summary>
    private static async Task ApiTokensAndRateLimitsAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var ct = TestContext.Current.CancellationToken;
        using var env = Api();
        using var anonymous = Api("");
        using (var created = await env.PostAsJsonAsync("/api/studies", new { name = "guarded" }, ct))
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        using (var refused = await anonymous.DeleteAsync("/api/studies/guarded", ct))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("./build.sh ApiToken --name NAME --create", (await refused.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("detail").GetString());
        }

        using (var still = await anonymous.GetAsync("/api/studies/guarded", ct))
            Assert.Equal(System.Net.HttpStatusCode.OK, still.StatusCode);

        var made = await BuildSh("ApiToken", "--name", "fullstack", "--create");
        Assert.True(made.ExitCode == 0, made.Output);
        var token = Regex.Match(made.Output, "^mlst_[A-Za-z0-9_-]{43}$", RegexOptions.Multiline).Value;
        Assert.NotEmpty(token);
        // Shown once, and nowhere else in the output (on GitHub Actions a ::add-mask:: line registers it first).
        Assert.Single(made.Output.Split('\n'), line => line.Contains(token, StringComparison.Ordinal) && !line.StartsWith("::add-mask::", StringComparison.Ordinal));
        using (var withToken = Api(token))
        {
            using (var deleted = await withToken.DeleteAsync("/api/studies/guarded", ct))
                Assert.Equal(System.Net.HttpStatusCode.NoContent, deleted.StatusCode);
            var revoke = await BuildSh("ApiToken", "--name", "fullstack", "--revoke");
            Assert.True(revoke.ExitCode == 0, revoke.Output);
            var status = 0;
            string? detail = null;
            await AutoscalingProbe.WaitUntilAsync(async () =>
            {
                using var response = await withToken.DeleteAsync("/api/studies/guarded", ct);
                (status, detail) = ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
                return status == 403;
            }, TimeSpan.FromSeconds(10), "the revoked token refused (403)", () => $"HTTP {status}: {detail}");
            Assert.Contains("API token fullstack was revoked", detail);
        }

        var listed = await BuildSh("ApiToken");
        Assert.True(listed.ExitCode == 0, listed.Output);
        Assert.Matches(@"fullstack\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+\d{4}-\d\d-\d\d \d\d:\d\d", listed.Output); // created, revoked, last used

        using (var metrics = await anonymous.GetAsync("/api/metrics", ct))
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, metrics.StatusCode);
        Assert.Contains("mlservice_requests_total", await env.GetStringAsync("/api/metrics", ct));

        // A burst from one client: the first 20 pass to ml-service (401: no token), the rest the edge refuses.
        var burst = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => anonymous.DeleteAsync("/api/studies/guarded", ct)));
        var limited = burst.Where(r => (int)r.StatusCode == 429).ToList();
        Assert.True(limited.Count >= 10, $"statuses: {string.Join(" ", burst.Select(r => (int)r.StatusCode))}");
        Assert.All(burst, r => Assert.True(r.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.TooManyRequests, $"{r.StatusCode}"));
        Assert.Equal("1", limited[0].Headers.RetryAfter?.ToString());
        Assert.Contains("too many writes", (await limited[0].Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("detail").GetString());
        foreach (var response in burst)
            response.Dispose();
        TestContext.Current.TestOutputHelper?.WriteLine($"api tokens and rate limits: {clock.Elapsed.TotalSeconds:0.0}s");
    }

    /// <summary>Run inside ml-service: imports every module of the app, then takes the paths that import lazily (a
    /// study's charts with parameter importances, plotly.js, an S3 client) — so an image pruned of a package the app
    /// still needs fails here, not in a user's request.</summary>
    private const string ImportEverything = """
        import importlib, pkgutil, mlservice
        modules = [m.name for m in pkgutil.walk_packages(mlservice.__path__, "mlservice.")]
        for name in modules:
            importlib.import_module(name)
        import boto3, optuna
        from mlservice import charts
        boto3.session.Session().client("s3", endpoint_url="http://objectstore:9000", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
        study = optuna.create_study(direction="maximize")
        study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1) / 10, n_trials=5)
        page = charts.chart_html(study)
        assert page.count("Plotly.newPlot") == 2, page
        assert len(charts.plotly_js()) > 1_000_000
        print(f"imported {len(modules)} modules; charts and plotly.js served")
        """;

    private static async Task AppImportsEverythingItUsesAsync(IReadOnlyList<ContainerSnapshot> containers)
    {
        var mlService = containers.First(c => c.Service == "ml-service").Id;
        var imported = await ChildProcess.RunAsync("docker", ["exec", mlService, "python3", "-c", ImportEverything]);
        Assert.True(imported.ExitCode == 0, imported.Output);
        Assert.Matches(@"imported \d{2} modules", imported.Output);
    }

    /// <summary>Every container of the project, the one-shots' included, as the engine runs it, held to the rule the
    /// compose file is (LeastPrivilege): not root but the listed exception, every capability dropped and only the
    /// service's listed ones added, no-new-privileges, a read-only root. One line per regression.</summary>
    private static async Task EveryContainerHasLeastPrivilegeAsync(IReadOnlyList<ContainerSnapshot> containers)
    {
        var inspected = await ChildProcess.RunAsync("docker", ["inspect", .. containers.Select(c => c.Id)]);
        Assert.True(inspected.ExitCode == 0, inspected.Output);
        using var json = JsonDocument.Parse(inspected.Output);
        static List<string> Strings(JsonElement host, string key) =>
            host.GetProperty(key) is { ValueKind: JsonValueKind.Array } list ? [.. list.EnumerateArray().Select(e => e.GetString()!)] : [];
        var regressions = json.RootElement.EnumerateArray().SelectMany(container =>
        {
            var config = container.GetProperty("Config");
            var host = container.GetProperty("HostConfig");
            return LeastPrivilege.Regressions(config.GetProperty("Labels").GetProperty("com.docker.compose.service").GetString()!, config.GetProperty("User").GetString(),
                Strings(host, "CapDrop"), Strings(host, "CapAdd"), Strings(host, "SecurityOpt"), host.GetProperty("ReadonlyRootfs").GetBoolean());
        }).ToList();
        Assert.Equal(containers.Count, json.RootElement.GetArrayLength());
        Assert.True(regressions.Count == 0, "least privilege regressed in the running stack:\n" + string.Join('\n', regressions));

        // Requests before batch work when the cores are busy: the engine's CPU weights as compose.yaml gives them.
        var weights = json.RootElement.EnumerateArray().ToLookup(
            c => c.GetProperty("Config").GetProperty("Labels").GetProperty("com.docker.compose.service").GetString()!,
            c => c.GetProperty("HostConfig").GetProperty("CpuShares").GetInt64());
        Assert.Equal([0L], weights["ml-service"].Distinct()); // 0: the engine's default weight, 1024
        Assert.Equal([512L], weights["worker-light"].Distinct());
        Assert.Equal([256L], weights["worker-heavy"].Concat(weights["scheduler"]).Concat(weights["autoscaler"]).Distinct());
    }

    /// <summary>No password or key of the env file, nor one derived from them, shows in any container's inspect (env,
    /// command, labels, mounts, …): they are files under /run/secrets, 0440, which the service's user reads through the
    /// secrets' group; a service that was not given a secret cannot read it.</summary>
    private static async Task NoContainerShowsASecretAsync(IReadOnlyList<ContainerSnapshot> containers)
    {
        var inspected = await ChildProcess.RunAsync("docker", ["inspect", .. containers.Select(c => c.Id)]);
        Assert.True(inspected.ExitCode == 0, inspected.Output);
        var secrets = SecretScan.Values(Mlstack.Build.Stack.EnvFile.Read(Path.Combine(RepositoryRoot.Path, "stack", ".env.example")));
        Assert.Equal(13, secrets.Count); // the operator's five (the webhook is no password), and eight derived ones
        var findings = SecretScan.Findings(inspected.Output, secrets);
        Assert.True(findings.Count == 0, "secrets in the engine's view of the stack:\n" + string.Join('\n', findings));

        var mlService = containers.First(c => c.Service == "ml-service").Id;
        var files = await ChildProcess.RunAsync("docker", ["exec", mlService, "sh", "-c", "stat -c '%n %a' /run/secrets/*; head -c0 /run/secrets/s3_secret_access_key && echo readable"]);
        Assert.True(files.ExitCode == 0, files.Output);
        Assert.Contains("/run/secrets/api_db_password 440", files.Output);
        Assert.DoesNotContain("app_db_password", files.Output); // the tables' owner's password is migrate's and postgres's
        Assert.Contains("readable", files.Output);
        Assert.DoesNotContain("postgres_password", files.Output); // the superuser's password is postgres's alone

        // postgres-exporter's role reads the statistics (its scrape works) and may create nothing.
        var postgres = containers.First(c => c.Service == "postgres").Id;
        const string AsExporter = "PGPASSWORD=\"$(cat /run/secrets/exporter_db_password)\" psql -h 127.0.0.1 -U mlstack_exporter -d postgres -tA";
        var reads = await ChildProcess.RunAsync("docker", ["exec", postgres, "sh", "-c", $"{AsExporter} -c 'SELECT count(*) > 0 FROM pg_stat_activity'"]);
        Assert.True(reads.ExitCode == 0 && reads.Output.Trim() == "t", reads.Output);
        var creates = await ChildProcess.RunAsync("docker", ["exec", postgres, "sh", "-c", $"{AsExporter} -c 'CREATE TABLE exporter_probe (i int)'"]);
        Assert.NotEqual(0, creates.ExitCode);
        Assert.Contains("permission denied for schema public", creates.Output);
        var exporter = containers.First(c => c.Service == "postgres-exporter").Id;
        var scraped = await ChildProcess.RunAsync("docker", ["exec", exporter, "curl", "-fsS", "http://127.0.0.1:9187/metrics"]);
        Assert.Contains("\npg_up 1", scraped.Output);
        var redisExporter = containers.First(c => c.Service == "redis-exporter").Id;
        var redisScraped = await ChildProcess.RunAsync("docker", ["exec", redisExporter, "curl", "-fsS", "http://127.0.0.1:9121/metrics"]);
        Assert.Contains("\nredis_up 1", redisScraped.Output);

        // Redis: the default user is off; the exporter's user reads and may not write; the app's may not flush.
        var redis = containers.First(c => c.Service == "redis").Id;
        var redisPassword = Mlstack.Build.Stack.EnvFile.Read(Path.Combine(RepositoryRoot.Path, "stack", ".env.example"))["REDIS_PASSWORD"];
        async Task<string> RedisAsync(string user, params string[] command)
        {
            var password = user == "default" ? redisPassword : Mlstack.Build.Stack.RedisUsers.Password(redisPassword, Mlstack.Build.Stack.RedisUsers.All.Single(u => u.Name == user));
            return (await ChildProcess.RunAsync("docker", ["exec", "-e", $"REDISCLI_AUTH={password}", redis, "redis-cli", "--user", user, .. command])).Output;
        }
        Assert.Contains("WRONGPASS", await RedisAsync("default", "PING"));
        Assert.Contains("NOAUTH", (await ChildProcess.RunAsync("docker", ["exec", redis, "redis-cli", "PING"])).Output);
        Assert.Contains("NOPERM", await RedisAsync("exporter", "SET", "exporter-probe", "1"));
        Assert.Contains("NOPERM", await RedisAsync("app", "FLUSHALL"));
        Assert.Contains("NOPERM", await RedisAsync("autoscaler", "DEL", "ml"));
        Assert.Contains("redis_version", await RedisAsync("exporter", "INFO", "server"));
    }

    /// <summary>Each service's database role (mlservice/dbroles.py) on the running stack: the service mounts its own
    /// role's password and no other; the role logs in with it (TCP, SCRAM), does what the service's code does (in a
    /// transaction rolled back) and is refused the rest: another service's tables, creating, dropping. The trainings
    /// and the study later in this test prove the rights suffice.</summary>
    private static async Task EachServiceHasADatabaseRoleOfItsOwnAsync(IReadOnlyList<ContainerSnapshot> containers)
    {
        var inspected = await ChildProcess.RunAsync("docker", ["inspect", .. containers.Select(c => c.Id)]);
        Assert.True(inspected.ExitCode == 0, inspected.Output);
        using var json = JsonDocument.Parse(inspected.Output);
        var mounted = json.RootElement.EnumerateArray().ToDictionary(
            c => c.GetProperty("Config").GetProperty("Labels").GetProperty("com.docker.compose.service").GetString()!,
            c => string.Join(' ', c.GetProperty("Mounts").EnumerateArray().Select(m => m.GetProperty("Destination").GetString()!)
                .Where(d => d.EndsWith("db_password", StringComparison.Ordinal)).Select(Path.GetFileName).Order(StringComparer.Ordinal)));
        Assert.Equal("api_db_password", mounted["ml-service"]);
        Assert.Equal("worker_light_db_password", mounted["worker-light"]);
        Assert.Equal("worker_medium_db_password", mounted["worker-medium"]);
        Assert.Equal("worker_heavy_db_password", mounted["worker-heavy"]);
        Assert.Equal("app_db_password", mounted["migrate"]);
        Assert.Equal("", mounted["scheduler"]);
        Assert.Equal("", mounted["objectstore-init"]);

        const string Api = "mlstack_api", Light = "mlstack_worker_light", Medium = "mlstack_worker_medium", Heavy = "mlstack_worker_heavy";
        const string Denied = "permission denied for", NotOwner = "must be owner of";
        // (role, database, SQL, null when allowed or what the refusal says)
        (string Role, string Database, string Sql, string? Refusal)[] cases =
        [
            (Api, "mlstack", "BEGIN; SELECT count(*) FROM runs; INSERT INTO runs (id, status) VALUES (gen_random_uuid(), 'queued'); UPDATE api_tokens SET last_used_at = now() WHERE false; ROLLBACK", null),
            (Api, "optuna", "BEGIN; INSERT INTO studies (study_name) VALUES ('role-probe'); SELECT count(*) FROM trials; DELETE FROM trial_values WHERE false; ROLLBACK", null),
            (Api, "mlstack", "DELETE FROM runs", Denied + " table runs"),
            (Api, "mlstack", "UPDATE api_tokens SET revoked_at = now()", Denied + " table api_tokens"),
            (Api, "mlstack", "SELECT count(*) FROM housekeeping", Denied + " table housekeeping"),
            (Api, "mlstack", "CREATE TABLE role_probe (i int)", Denied + " schema public"),
            (Api, "mlstack", "CREATE TEMP TABLE role_probe (i int)", "permission denied to create temporary tables"),
            (Api, "optuna", "INSERT INTO trials (number, study_id, state) VALUES (0, 1, 'RUNNING')", Denied + " table trials"),
            (Light, "mlstack", "BEGIN; INSERT INTO housekeeping (details) VALUES ('{}'); DELETE FROM housekeeping WHERE ran_at < now() - interval '7 days'; ROLLBACK", null),
            (Light, "mlstack", "SELECT count(*) FROM runs", Denied + " table runs"),
            (Light, "mlstack", "SELECT count(*) FROM api_tokens", Denied + " table api_tokens"),
            (Light, "optuna", "SELECT 1", Denied + " database \"optuna\""),
            (Medium, "mlstack", "SELECT count(*) FROM runs WHERE status = 'succeeded'", null),
            (Medium, "mlstack", "UPDATE runs SET status = 'failed'", Denied + " table runs"),
            (Medium, "mlstack", "DROP TABLE runs", NotOwner + " table runs"),
            (Heavy, "mlstack", "BEGIN; UPDATE runs SET status = 'running', metrics = NULL, model_key = NULL, error = NULL, finished_at = now() WHERE false; ROLLBACK", null),
            // Optuna locks the study's row to number a trial: FOR UPDATE, which takes an UPDATE right (on study_id alone).
            (Heavy, "optuna", "BEGIN; SELECT study_id FROM studies FOR UPDATE; SELECT nextval('trials_trial_id_seq'); UPDATE trials SET state = state WHERE false; ROLLBACK", null),
            (Heavy, "optuna", "UPDATE studies SET study_name = 'renamed'", Denied + " table studies"),
            (Heavy, "mlstack", "INSERT INTO runs (id, status) VALUES (gen_random_uuid(), 'queued')", Denied + " table runs"),
            (Heavy, "mlstack", "UPDATE runs SET params = '{}'", Denied + " table runs"),
            (Heavy, "mlstack", "SELECT count(*) FROM api_tokens", Denied + " table api_tokens"),
            (Heavy, "optuna", "DELETE FROM studies", Denied + " table studies"),
            (Heavy, "optuna", "CREATE TABLE role_probe (i int)", Denied + " schema public"),
        ];
        var secretOf = Mlstack.Build.Stack.StackSecrets.ServiceDbRoles.ToDictionary(r => r.Role, r => r.Secret);
        // One exec for all: each case prints a line "<psql's exit code> <its output>", its SQL an argument, never script text.
        var script = string.Join('\n', cases.Select((c, i) =>
            $"out=$(PGPASSWORD=\"$(cat /run/secrets/{secretOf[c.Role]})\" psql -X -q -h 127.0.0.1 -U {c.Role} -d {c.Database} -tA -c \"${{{i + 1}}}\" 2>&1); echo \"$? $out\" | tr '\\n' ' '; echo"));
        var postgres = containers.First(c => c.Service == "postgres").Id;
        var ran = await ChildProcess.RunAsync("docker", ["exec", postgres, "sh", "-c", script, "sh", .. cases.Select(c => c.Sql)]);
        Assert.True(ran.ExitCode == 0, ran.Output);
        var lines = ran.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(cases.Length, lines.Length);
        var wrong = cases.Zip(lines).Where(pair => pair.First.Refusal is null ? !pair.Second.StartsWith("0 ", StringComparison.Ordinal)
                : pair.Second.StartsWith("0 ", StringComparison.Ordinal) || !pair.Second.Contains(pair.First.Refusal, StringComparison.Ordinal))
            .Select(pair => $"{pair.First.Role} on {pair.First.Database}: {pair.First.Sql} → expected {pair.First.Refusal ?? "allowed"}, got: {pair.Second}").ToList();
        Assert.True(wrong.Count == 0, "database roles with the wrong rights:\n" + string.Join('\n', wrong));

        // Log in and nothing else: no role attribute beyond LOGIN.
        var attributes = await ChildProcess.RunAsync("docker", ["exec", postgres, "sh", "-c",
            "psql -X -U \"$POSTGRES_USER\" -d postgres -tA -c \"SELECT string_agg(rolname, ' ' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'mlstack\\_%' AND rolcanlogin AND NOT (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls)\""]);
        Assert.Equal("mlstack_api mlstack_exporter mlstack_worker_heavy mlstack_worker_light mlstack_worker_medium", attributes.Output.Trim());
    }

    /// <summary>Run inside a worker (docker exec, as the worker's own user): SIGKILLs the prefork pool child of the Celery
    /// main process (PID 1) once it has used 0.3 s of CPU since first seen, i.e. mid-task (an idle child uses none);
    /// prints its pid and whether the worker's healthcheck saw it busy just before. argv[1]: how many seconds to wait.</summary>
    private const string KillBusyPoolChild = """
        import os, signal, sys, time
        def children():
            pids = []
            for task in os.listdir("/proc/1/task"):
                try:
                    pids += open(f"/proc/1/task/{task}/children").read().split()
                except OSError:
                    pass
            return [int(pid) for pid in pids]
        def cpu_ticks(pid):
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])  # utime + stime
        deadline, first = time.monotonic() + float(sys.argv[1]), {}
        while time.monotonic() < deadline:
            for pid in children():
                try:
                    used = cpu_ticks(pid)
                except OSError:
                    continue
                if used - first.setdefault(pid, used) >= 30:
                    from mlservice import probe
                    busy = probe.running_a_task()  # what the worker's healthcheck says now (the scaler reads it)
                    os.kill(pid, signal.SIGKILL)
                    print(pid, "busy" if busy else "idle")
                    sys.exit(0)
            time.sleep(0.1)
        sys.exit("no pool child of the worker started working")
        """;

    /// <summary>A worker's pool child killed mid-task (the OOM killer, SIGKILL) hands its task back: acknowledged late
    /// and rejected on worker lost, the training goes back to the queue, a new child runs it again and the run ends
    /// succeeded, not failed or left running. Heavy is at 0 here, so the one replica the autoscaler starts gets it.</summary>
    private static async Task KilledWorkerHandsBackItsTaskAsync(StackEngine engine)
    {
        using var http = Api();
        var probe = new AutoscalingProbe(engine, http);
        var run = (await probe.QueueTrainingsAsync(1)).Single();
        string? heavy = null;
        await AutoscalingProbe.WaitUntilAsync(async () => (heavy = (await probe.HeavyAsync()).FirstOrDefault(c => c.IsRunning)?.Id) != null,
            TimeSpan.FromSeconds(30), "a worker-heavy replica started for the training");
        var killed = await ChildProcess.RunAsync("docker", ["exec", heavy!, "python3", "-c", KillBusyPoolChild, "30"]);
        Assert.True(killed.ExitCode == 0, killed.Output);
        Assert.EndsWith(" busy", killed.Output.Trim()); // the healthcheck's word, which makes the scaler keep it
        var status = "queued";
        var took = await AutoscalingProbe.WaitUntilAsync(async () => (status = (await probe.StatusesAsync([run])).Single()) == "succeeded", TimeSpan.FromSeconds(30),
            "the training whose pool child was killed mid-task succeeded", () => $"its status stayed {status}");
        // It was killed mid-task, not after: the task was delivered twice (to the killed child and to the next one).
        var logs = string.Concat(await Task.WhenAll((await probe.HeavyAsync()).Select(async c => (await ChildProcess.RunAsync("docker", ["logs", c.Id])).Output)));
        Assert.Contains("exited with 'signal 9 (SIGKILL)'", logs);
        Assert.True(Regex.Count(logs, $@"train_model\[{run}\] received") >= 2, $"training {run} was not delivered again after its child was killed");
        TestContext.Current.TestOutputHelper?.WriteLine($"killed worker: the training succeeded {took.TotalSeconds:0.0}s after its pool child (pid {killed.Output.Trim().Split(' ')[0]}) was killed");
    }

    /// <summary>Sends argv[1] pings to queue quick 10 ms apart, then waits up to 120 s for their results to be stored.
    /// Touches /tmp/ping-flood once its connections are made, and prints, a line each as they happen: when the sending
    /// began and ended (epoch seconds), then how many went unanswered. It reads the result keys itself: Celery 5.2's
    /// result.get() over Redis did not return at its timeout here once a few hundred results were pending.</summary>
    private const string PingFlood = """
        import pathlib, sys, time
        from celery import Celery
        from mlservice import config
        app = Celery(broker=config.BROKER_URL, backend=config.RESULT_BACKEND)
        app.send_task("mlservice.tasks.ping", queue="quick").get(timeout=60)  # connections made before the flood
        pathlib.Path("/tmp/ping-flood").touch()
        began, keys = time.time(), []
        for _ in range(int(sys.argv[1])):
            keys.append(app.backend.get_key_for_task(app.send_task("mlservice.tasks.ping", queue="quick").id))
            time.sleep(0.01)
        print(began, time.time(), flush=True)
        results, deadline = app.backend.client, time.monotonic() + 120
        while (missing := sum(value is None for value in results.mget(keys))) and time.monotonic() < deadline:
            time.sleep(0.5)
        results.delete(*keys)
        print(missing, flush=True)
        """;

    /// <summary>A worker stopped while tasks stream in (a release, a scale-down) loses none: Celery 5.2's Redis
    /// transport dropped the task Redis popped for the worker as it closed (1 of 300 pings, every time tried), and
    /// mlservice/lastpop.py hands it back. worker-light is stopped in the middle of the flood, then started again.</summary>
    private static async Task StoppedWorkerLosesNoTaskAsync(StackEngine engine)
    {
        const int Pings = 300;
        var containers = await engine.SnapshotAsync(TestContext.Current.CancellationToken);
        var sender = containers.First(c => c.Service == "ml-service" && c.IsRunning).Id;
        var light = containers.First(c => c.Service == "worker-light" && c.IsRunning).Id;
        var flood = ChildProcess.RunAsync("docker", ["exec", sender, "python3", "-c", PingFlood, Pings.ToString(System.Globalization.CultureInfo.InvariantCulture)], timeout: TimeSpan.FromMinutes(5));
        await AutoscalingProbe.WaitUntilAsync(async () => flood.IsCompleted || (await ChildProcess.RunAsync("docker", ["exec", sender, "test", "-e", "/tmp/ping-flood"])).ExitCode == 0,
            TimeSpan.FromSeconds(90), "the flood's first ping answered");
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        var stoppedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stopped = await ChildProcess.RunAsync("docker", ["stop", light]);
        var stopTook = clock.Elapsed;
        var started = await ChildProcess.RunAsync("docker", ["start", light]);
        var result = await flood;
        var lastLogs = await ChildProcess.RunAsync("docker", ["logs", "--tail", "15", light]);
        Assert.True(stopped.ExitCode == 0 && started.ExitCode == 0, stopped.Output + started.Output);
        Assert.True(result.ExitCode == 0, result.Output);
        // A warm shutdown with only pings to finish is quick. A task handed to the stopping worker would wait in its
        // pool until the 20 s limit turns the shutdown cold (seen with kombu 5.3.2's own fix): not lost, but late.
        Assert.True(stopTook < TimeSpan.FromSeconds(15), $"stopping worker-light took {stopTook.TotalSeconds:0} s; its last lines:\n{lastLogs.Output}");
        var lines = result.Output.Trim().Split('\n');
        var flooded = lines[^2].Split(' ').Select(f => double.Parse(f, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.True(flooded[0] < stoppedAt && stoppedAt < flooded[1], $"the stop ({stoppedAt:0.0}) came outside the flood ({flooded[0]:0.0} to {flooded[1]:0.0})");
        Assert.True(lines[^1] == "0", $"{lines[^1]} of {Pings} tasks sent while worker-light stopped were never answered; its last lines:\n{lastLogs.Output}");
        var handedBack = (await ChildProcess.RunAsync("docker", ["logs", light])).Output.Contains("put back a task Redis popped", StringComparison.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine($"stopped worker: {Pings} pings, 0 lost, the stop took {stopTook.TotalSeconds:0.0} s; a task popped during it was {(handedBack ? "handed back" : "not in flight this time")}");
    }

    /// <summary>worker-heavy idles at 0 and Up counts it ready; a burst of trainings scales it up, the tasks finish,
    /// quick tasks keep their latency meanwhile, a killed autoscaler stops nothing, and heavy returns to 0.</summary>
    private static async Task AutoscalingAsync(StackEngine engine)
    {
        using var http = Api();
        var probe = new AutoscalingProbe(engine, http);
        // autoscale.yaml: heavy min 0, max 2, one task per replica, down after 45 s without need; a look every 2 s.
        await AutoscalingProbe.WaitUntilAsync(async () => await probe.HeavyRunningAsync() == 0, TimeSpan.FromSeconds(120), "worker-heavy at 0 once idle for its 45 s cooldown");
        var idle = await BuildSh("Up");
        Assert.True(idle.ExitCode == 0, idle.Output);
        Assert.Contains("nothing changed, no container touched", idle.Output);
        Assert.Matches(@"worker-heavy\s+✓ scaled to 0", idle.Output);

        var baseline = await probe.QuickTaskLatenciesAsync(15);
        var runs = await probe.QueueTrainingsAsync(10);
        var firstStarted = await AutoscalingProbe.WaitUntilAsync(async () => (await probe.StatusesAsync(runs)).Any(s => s != "queued"), TimeSpan.FromSeconds(90), "a training started by a replica the autoscaler started");
        var busy = await probe.QuickTaskLatenciesAsync(15);
        Assert.Contains("queued", await probe.StatusesAsync(runs)); // the quick tasks ran while heavy was busy
        Assert.True(AutoscalingProbe.Median(busy) < (AutoscalingProbe.Median(baseline) * 5) + 100,
            $"quick tasks slowed down while heavy was busy: median {AutoscalingProbe.Median(busy):0.0} ms against {AutoscalingProbe.Median(baseline):0.0} ms idle");
        await AutoscalingProbe.WaitUntilAsync(async () => await probe.HeavyRunningAsync() == 2, TimeSpan.FromSeconds(60), "worker-heavy at its max of 2 during the burst");

        // The autoscaler dies mid-burst: the workers run on as they are.
        var autoscaler = (await engine.SnapshotAsync(TestContext.Current.CancellationToken)).Single(c => c.Service == "autoscaler").Id;
        var replicas = (await probe.HeavyAsync()).Where(c => c.IsRunning).Select(c => c.Id).Order().ToList();
        await ChildProcess.RunAsync("docker", ["kill", autoscaler]);
        await Task.Delay(TimeSpan.FromSeconds(6), TestContext.Current.CancellationToken);
        Assert.Equal(replicas, (await probe.HeavyAsync()).Where(c => c.IsRunning).Select(c => c.Id).Order());
        await ChildProcess.RunAsync("docker", ["start", autoscaler]);

        await AutoscalingProbe.WaitUntilAsync(async () => (await probe.StatusesAsync(runs)).All(s => s == "succeeded"), TimeSpan.FromSeconds(180), "all 10 trainings succeeded");
        await AutoscalingProbe.WaitUntilAsync(async () => await probe.HeavyRunningAsync() == 0 && (await probe.HeavyAsync()).Count == 1, TimeSpan.FromSeconds(120),
            "worker-heavy back to 0 after its cooldown, its copy removed and its first container kept");
        TestContext.Current.TestOutputHelper?.WriteLine($"autoscaling: first training started {firstStarted.TotalSeconds:0.0}s after the burst; quick tasks median {AutoscalingProbe.Median(baseline):0.0} ms idle, {AutoscalingProbe.Median(busy):0.0} ms busy");
    }

    [Fact]
    public async Task Up_SmokeTest_LoadTest_and_Down_work_on_the_whole_stack_and_a_stopped_redis_fails_SmokeTest()
    {
        await Prerequisites.RequireEngineAsync();
        try
        {
            var up = await BuildSh("Up");
            Assert.True(up.ExitCode == 0, up.Output);
            Assert.Matches(@"Up: 20 services ready in", up.Output);

            using var engine = new StackEngine(EngineProbe.Client(EngineProbe.Endpoint().Endpoint), Project);
            var containers = await engine.SnapshotAsync(TestContext.Current.CancellationToken);
            Assert.Equal(20, containers.Count);
            Assert.All(containers.Where(c => c.Service is not ("migrate" or "objectstore-init" or "edge-net")), c => Assert.Equal("healthy", c.Health));
            Assert.True(containers.Single(c => c.Service == "edge-net").IsRunning); // a sleep holding a network: no healthcheck
            Assert.All(containers.Where(c => c.Service is "migrate" or "objectstore-init"), c => Assert.Equal(0, c.ExitCode));
            await AppImportsEverythingItUsesAsync(containers);
            await EveryContainerHasLeastPrivilegeAsync(containers);
            await NoContainerShowsASecretAsync(containers);
            await EachServiceHasADatabaseRoleOfItsOwnAsync(containers);
            // A restart mounts a fresh tmpfs over the mount point the first start left behind (Restore restarts the
            // stack this way): the edge and the frontend, whose tmpfs are not /tmp, must start again on theirs.
            var restarted = await ChildProcess.RunAsync("docker", ["restart", .. containers.Where(c => c.Service is "edge" or "frontend").Select(c => c.Id)]);
            Assert.True(restarted.ExitCode == 0, restarted.Output);
            await WaitUntilHealthyAsync(engine, "restarting the edge and the frontend");

            var smoke = await BuildSh("SmokeTest", "--stack-url", StackUrl);
            Assert.True(smoke.ExitCode == 0, smoke.Output);
            Assert.Matches(@"SmokeTest: 28 checks passed", smoke.Output);
            var junit = System.Xml.Linq.XDocument.Load(Path.Combine(RepositoryRoot.Path, ".nuke", "temp", "reports", $"smoke-{Project}.xml"));
            Assert.Equal(28, junit.Descendants("testcase").Count());

            var load = await BuildSh("LoadTest", "--stack-url", StackUrl, "--duration", "10s", "--warmup", "3s");
            Assert.True(load.ExitCode == 0, load.Output);
            Assert.Contains("every threshold passed", load.Output);
            Assert.True(File.Exists(Path.Combine(RepositoryRoot.Path, ".nuke", "temp", "reports", "load.svg")));

            // Up again on the unchanged stack: no container recreated, no one-shot re-run (the autoscaler's replicas
            // of worker-heavy may have come and gone since: each service's first container is what compose made).
            var again = await BuildSh("Up");
            Assert.True(again.ExitCode == 0, again.Output);
            Assert.True(again.Output.Contains("nothing changed, no container touched", StringComparison.Ordinal), again.Output);
            Assert.Equal(FirstContainers(containers), FirstContainers(await engine.SnapshotAsync(TestContext.Current.CancellationToken)));

            // Targets compute what they need themselves: skipping Doctor and StackConfig leaves no hole.
            var skipped = await BuildSh("Status", "--skip");
            Assert.True(skipped.ExitCode == 0, skipped.Output);
            Assert.Matches(@"ml-service\s+running\s+healthy", skipped.Output);

            // No consumer on the training queue and no autoscaler to start one: the flow and the heavy tier's task fail
            // at once naming the worker, and queue nothing.
            var autoscaler = containers.Single(c => c.Service == "autoscaler").Id;
            var heavy = containers.Single(c => c.Service == "worker-heavy").Id;
            await ChildProcess.RunAsync("docker", ["stop", autoscaler]);
            await ChildProcess.RunAsync("docker", ["stop", .. (await engine.SnapshotAsync(TestContext.Current.CancellationToken)).Where(c => c.Service == "worker-heavy" && c.IsRunning).Select(c => c.Id)]);
            var noConsumer = await BuildSh("SmokeTest", "--skip", "--stack-url", StackUrl);
            var queued = await ChildProcess.RunAsync("docker", ["exec", containers.Single(c => c.Service == "redis").Id, "sh", "-c", RedisCli.Define + "redis_cli LLEN ml"]);
            // It left on the stop's SIGTERM (0), not by the engine's kill at the end of the grace period (137).
            var autoscalerExit = await ChildProcess.RunAsync("docker", ["inspect", "-f", "{{.State.ExitCode}}", autoscaler]);
            await ChildProcess.RunAsync("docker", ["start", heavy, autoscaler]);
            Assert.Equal("0", autoscalerExit.Output.Trim());
            Assert.Equal(1, noConsumer.ExitCode);
            Assert.Matches(@"✗ ml-service · train → predict through the frontend: expected a live worker-heavy consuming queue ml; got no running worker-heavy and no live autoscaler", noConsumer.Output);
            Assert.Matches(@"✗ worker-heavy · runs mlservice.tasks.ping from queue ml: expected a live worker-heavy consuming queue ml; got no running worker-heavy", noConsumer.Output);
            Assert.Matches(@"train → predict through the frontend\s+✗ FAIL\s+[0-4]\.\d\ds", noConsumer.Output);
            Assert.Equal("0", queued.Output.Trim());

            var redis = containers.Single(c => c.Service == "redis").Id;
            await ChildProcess.RunAsync("docker", ["stop", redis]);
            var broken = await BuildSh("SmokeTest", "--stack-url", StackUrl, "--fast");
            await ChildProcess.RunAsync("docker", ["start", redis]);
            Assert.Equal(1, broken.ExitCode);
            Assert.Contains("✗ redis · PING and SET/GET/DEL round trip", broken.Output);
            Assert.Matches(@"smoke checks failed, for [^\n]*redis", broken.Output);

            // After the broker comes back, the workers must consume again (they restart clean), not just look healthy.
            await WaitUntilHealthyAsync(engine, "redis coming back");
            var recovered = await BuildSh("SmokeTest", "--stack-url", StackUrl);
            Assert.True(recovered.ExitCode == 0, recovered.Output);

            await StoppedWorkerLosesNoTaskAsync(engine);
            await AutoscalingAsync(engine);
            await KilledWorkerHandsBackItsTaskAsync(engine);
            await StudiesAsync(engine);
            await ApiTokensAndRateLimitsAsync();

            var status = await BuildSh("Status");
            Assert.Matches(@"postgres\s+running\s+healthy", status.Output);
            Assert.Contains("127.0.0.1:18080->8080", status.Output);
            // Then the alerts, from Prometheus; this env file names no webhook, and Status says so.
            Assert.Matches(@"Alerts: (none firing or pending|\d+ firing, \d+ pending)", status.Output);
            Assert.Contains("Alertmanager has no webhook", status.Output);

            var running = FirstContainers(await engine.SnapshotAsync(TestContext.Current.CancellationToken)).ToList();
            var refused = await BuildSh("Down", "--remove-volumes");
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("add --yes to confirm", refused.Output);
            Assert.Equal(running, FirstContainers(await engine.SnapshotAsync(TestContext.Current.CancellationToken)));

            var down = await BuildSh("Down");
            Assert.Equal(0, down.ExitCode);
            Assert.Empty(await engine.SnapshotAsync(TestContext.Current.CancellationToken));
            Assert.Contains($"{Project}_pgdata", (await ChildProcess.RunAsync("docker", ["volume", "ls", "-q"])).Output);
        }
        finally
        {
            await BuildSh("Down", "--remove-volumes", "--yes");
        }

        Assert.DoesNotContain($"{Project}_pgdata", (await ChildProcess.RunAsync("docker", ["volume", "ls", "-q"])).Output);
    }
}
