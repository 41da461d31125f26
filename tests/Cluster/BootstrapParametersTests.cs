using Mlstack.Tests.Support;

namespace Mlstack.Tests.Cluster;

/// <summary>Bootstrap and Deploy take one VM (--host) or a cluster (--cluster): neither is one line that names both,
/// and a bad inventory stops Bootstrap before anything connects.</summary>
public sealed class BootstrapParametersTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlstack-cluster-params-").FullName;

    // HOST is also --host's environment variable (some shells set it): empty, it gives no value.
    private static Task<ProcessResult> BootstrapAsync(params string[] args) =>
        ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Bootstrap", .. args], new Dictionary<string, string?> { ["HOST"] = "" });

    [Fact]
    public async Task Without_host_or_cluster_it_names_both()
    {
        var result = await BootstrapAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Bootstrap needs --host (one VM) or --cluster FILE (docs/cluster.md).", result.Output);
    }

    [Fact]
    public async Task A_bad_inventory_is_one_line_before_anything_connects()
    {
        var inventory = Path.Combine(_directory, "cluster.yaml");
        File.WriteAllText(inventory, "hosts:\n  - { host: 192.0.2.1, roles: [manager, db] }\n");

        var result = await BootstrapAsync("--cluster", inventory);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Target Bootstrap failed: {inventory} line 2 (host 192.0.2.1): unknown role 'db'; the roles are manager, data, app, worker.", result.Output);
        Assert.DoesNotContain("connected to", result.Output);
    }

    [Fact]
    public async Task Preflight_without_a_cluster_names_it()
    {
        var result = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Preflight"], new Dictionary<string, string?> { ["HOST"] = "" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Preflight needs --cluster FILE (docs/cluster.md).", result.Output);
    }

    [Fact]
    public async Task Deploy_without_host_or_cluster_names_both_before_any_image_is_built()
    {
        var result = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Deploy"], new Dictionary<string, string?> { ["HOST"] = "", ["CLUSTER"] = "" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Missing parameters: Deploy needs --host or --cluster.", result.Output);
        Assert.DoesNotContain("Images", result.Output.Split("Missing parameters")[0]);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
