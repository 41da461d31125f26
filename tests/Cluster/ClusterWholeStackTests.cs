using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Cluster;

/// <summary>The whole stack through <c>./build.sh Deploy --cluster</c> on three VMs, as an operator runs it.
/// Explicit: <c>./build.sh Test --test-filter ClusterWholeStack --test-explicit</c>.</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(EngineTests.Name)]
public sealed class ClusterWholeStackTests(TestCluster cluster) : IClassFixture<TestCluster>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlstack-cluster-stack-").FullName;
    private readonly string _secret = Guid.NewGuid().ToString("N")[..16];

    [Fact(Explicit = true)]
    public async Task The_whole_stack_deploys_to_the_swarm()
    {
        cluster.Require();
        var vms = cluster.Vms;
        var inventory = Path.Combine(_directory, "cluster.yaml");
        static string Host(TestVm vm, string roles) => $"{{ host: root@{vm.Address}, roles: [{roles}], ssh_key: {vm.ClientKeyPath} }}";
        File.WriteAllText(inventory, $"""
            known_hosts: {cluster.KnownHostsFile(_directory)}
            hosts:
              - {Host(vms[0], "manager, data")}
              - {Host(vms[1], "manager, app")}
              - {Host(vms[2], "worker, app")}
            """);
        var env = Path.Combine(_directory, "cluster.env");
        File.WriteAllText(env, $"""
            POSTGRES_USER=mlstack_admin
            POSTGRES_PASSWORD=pg-{_secret}
            APP_DB_USER=mlstack
            APP_DB_PASSWORD=app-{_secret}
            APP_DB_NAME=mlstack
            OPTUNA_DB_NAME=optuna
            REDIS_PASSWORD=redis-{_secret}
            S3_ACCESS_KEY_ID=mlstack-cluster
            S3_SECRET_ACCESS_KEY=s3-{_secret}
            API_TOKEN=api-{_secret}
            """);
        var bootstrap = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Bootstrap", "--cluster", inventory]);
        Assert.True(bootstrap.ExitCode == 0, bootstrap.Output);
        var deploy = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Deploy", "--cluster", inventory, "--env-file", env, "--tls-at-load-balancer"], timeout: TimeSpan.FromMinutes(20));
        TestContext.Current.TestOutputHelper?.WriteLine(deploy.Output);
        Assert.Equal(0, deploy.ExitCode);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
