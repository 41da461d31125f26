using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Deploy;

/// <summary>Figures, not assertions (beyond each command succeeding): the whole stack on a fixture VM — a first
/// deploy to an empty VM with the registry store cold and again warm, a deploy with nothing changed against <c>Images</c> alone in the same session, a Rollback to a release whose app settings
/// differ, and a deploy with one image changed (bytes moved against that image's new layers and against
/// <c>docker save | ssh docker load</c>). Explicit: <c>./build.sh Test --test-filter DeployBenchmark --test-explicit</c>;
/// writes .nuke/temp/reports/deploy-benchmark.md.</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(EngineAlone.Name)]
public sealed class DeployBenchmarkTests(TestVm vm, ITestOutputHelper output) : IClassFixture<TestVm>
{
    private const string Port = "18082";
    private readonly List<string> _rows = [];

    [Fact(Explicit = true)]
    public async Task Deploy_nothing_changed_rollback_and_one_image_changed()
    {
        vm.Require();
        var secret = Guid.NewGuid().ToString("N");
        string Settings(string logLevel)
        {
            var path = Path.Combine(vm.PrivateRoot, "..", $"{logLevel}.env");
            File.WriteAllText(path, $"POSTGRES_USER=mlstack_admin\nPOSTGRES_PASSWORD=pg-{secret}\nAPP_DB_USER=mlstack\nAPP_DB_PASSWORD=app-{secret}\n"
                + $"APP_DB_NAME=mlstack\nOPTUNA_DB_NAME=optuna\nREDIS_PASSWORD=redis-{secret}\nS3_ACCESS_KEY_ID=mlstack-vm\nS3_SECRET_ACCESS_KEY=s3-{secret}\nAPI_TOKEN=api-{secret}\n"
                + $"FRONTEND_BIND={vm.Address}\nFRONTEND_PORT={Port}\nLOG_LEVEL={logLevel}\n");
            return Path.GetFullPath(path);
        }

        var (info, warning) = (Settings("info"), Settings("warning"));
        var images = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
            images.Add((await TimedAsync(null, RepositoryRoot.Path, "Images")).Elapsed);
        var baseline = images.Order().ElementAt(1);
        _rows.Add($"| `Images` alone, nothing changed (median of 3) | {baseline.TotalSeconds:0.0} s | |");

        // Cold: the loopback registry's cache (where pushed layers stay between deploys) a new empty folder, so every
        // layer is pushed, then pulled by the VM. Warm: the same again to an emptied VM, the cache as the first left it.
        // The deploys are child processes: they inherit the variable, and this machine's own cache is left alone (the
        // VM's folder, where this one is, goes with the VM).
        Environment.SetEnvironmentVariable(Mlstack.Build.Remote.RegistryCache.Variable, Path.GetFullPath(Path.Combine(vm.PrivateRoot, "..", "registry-cache")));
        var cold = await TimedAsync("first deploy of the whole stack (empty VM engine, registry store cold)", RepositoryRoot.Path, "Deploy", "--env-file", info);
        _rows.Add($"| first deploy, cold, beyond `Images` | {(cold.Elapsed - baseline).TotalSeconds:0.0} s | |");
        await EmptyVmAsync();
        var first = await TimedAsync("first deploy of the whole stack (empty VM engine, registry store warm)", RepositoryRoot.Path, "Deploy", "--env-file", info);
        _rows.Add($"| first deploy, warm, beyond `Images` | {(first.Elapsed - baseline).TotalSeconds:0.0} s | goal < 60 s |");
        var firstId = Regex.Match(first.Output, @"Deploy: release (\S+) is live").Groups[1].Value;

        var unchanged = new List<(ProcessResult Result, TimeSpan Elapsed, string Output)>();
        for (var i = 0; i < 3; i++)
            unchanged.Add(await TimedAsync(null, RepositoryRoot.Path, "Deploy", "--env-file", info));
        var median = unchanged.OrderBy(u => u.Elapsed).ElementAt(1);
        var unchangedGates = Regex.Match(median.Output, @"Up: \d+ services ready in ([\d.]+)s").Groups[1].Value;
        _rows.Add($"| Deploy, nothing changed (median of 3) | {median.Elapsed.TotalSeconds:0.0} s | its gates {unchangedGates} s, no container touched |");
        _rows.Add($"| Deploy, nothing changed, beyond `Images` | {(median.Elapsed - baseline).TotalSeconds:0.0} s | goal < 10 s |");

        await TimedAsync("Deploy, LOG_LEVEL changed (app services recreated)", RepositoryRoot.Path, "Deploy", "--env-file", warning);
        var rollback = await TimedAsync($"Rollback --to the first release", RepositoryRoot.Path, "Rollback", "--to", firstId);
        var gates = Regex.Match(rollback.Output, @"Up: \d+ services ready in ([\d.]+)s");
        if (gates.Success)
        {
            var gated = TimeSpan.FromSeconds(double.Parse(gates.Groups[1].Value, CultureInfo.InvariantCulture));
            _rows.Add($"| Rollback beyond its gates ({gated.TotalSeconds:0.0} s) | {(rollback.Elapsed - gated).TotalSeconds:0.0} s | goal < 10 s |");
        }

        await OneImageChangedAsync(info);
        var report = string.Join('\n', ["| what | time | note |", "|---|---|---|", .. _rows]);
        output.WriteLine(report);
        var reports = Path.Combine(RepositoryRoot.Path, ".nuke", "temp", "reports");
        Directory.CreateDirectory(reports);
        await File.WriteAllTextAsync(Path.Combine(reports, "deploy-benchmark.md"), report + "\n", TestContext.Current.CancellationToken);
    }

    /// <summary>The VM as new: no container, volume, network or image in its engine, no deploy folder.</summary>
    private async Task EmptyVmAsync()
    {
        var engine = $"unix://{vm.EngineSocket}";
        string[] steps =
        [
            $"docker -H {engine} ps -aq | xargs -r docker -H {engine} rm -f",
            $"docker -H {engine} volume ls -q | xargs -r docker -H {engine} volume rm",
            $"docker -H {engine} network prune -f",
            $"docker -H {engine} images -q | sort -u | xargs -r docker -H {engine} rmi -f",
        ];
        foreach (var step in steps)
            Assert.Equal(0, (await ChildProcess.RunAsync("sh", ["-c", step])).ExitCode);
        Directory.Delete(Path.Combine(vm.PrivateSrv, "mlstack"), recursive: true);
        Assert.Empty((await ChildProcess.RunAsync("docker", ["-H", engine, "images", "-q"])).Output.Trim());
    }

    /// <summary>A clone of this commit with one line added to the frontend's index.html: its build changes one
    /// layer of one image, and its Deploy ships that.</summary>
    private async Task OneImageChangedAsync(string settings)
    {
        var clone = Directory.CreateTempSubdirectory("mlstack-bench-clone-").FullName;
        try
        {
            Assert.Equal(0, (await ChildProcess.RunAsync("git", ["clone", "-q", "--shared", RepositoryRoot.Path, clone])).ExitCode);
            File.AppendAllText(Path.Combine(clone, "docker", "frontend", "index.html"), $"<!-- benchmark {Guid.NewGuid():N} -->\n");
            // The clone compiles its own build program on first use: not part of the figure.
            Assert.Equal(0, (await ChildProcess.RunAsync(Path.Combine(clone, "build.sh"), ["--help"], workingDirectory: clone, timeout: TimeSpan.FromMinutes(5))).ExitCode);
            var changed = await TimedAsync("Deploy, one image changed (frontend's index.html)", clone, "Deploy", "--env-file", settings);
            var shipped = Regex.Match(changed.Output, @"Deploy: shipped (mlstack/frontend:\S+) \((\w+)\): ([\d.]+ \w?B) in (\d+) layer\(s\), (\d+) already on the VM");
            Assert.True(shipped.Success, changed.Output);
            var image = shipped.Groups[1].Value;
            var saved = (await ChildProcess.RunAsync("sh", ["-c", $"docker save {image} | wc -c"])).Output.Trim();
            var layer = (await ChildProcess.RunAsync("docker", ["history", "--format", "{{.Size}} {{.CreatedBy}}", image])).Output.Split('\n')
                .FirstOrDefault(l => l.Contains("index.html", StringComparison.Ordinal))?.Split(' ')[0] ?? "?";
            _rows.Add($"| bytes moved for it | {shipped.Groups[3].Value} in {shipped.Groups[4].Value} layer(s), {shipped.Groups[5].Value} already there | the changed layer: {layer}; `docker save` of the image: {long.Parse(saved, CultureInfo.InvariantCulture) / 1e6:0.0} MB |");
            await ChildProcess.RunAsync("docker", ["rmi", image]);
        }
        finally
        {
            await ChildProcess.RunAsync("rm", ["-rf", clone]);
        }
    }

    private async Task<(ProcessResult Result, TimeSpan Elapsed, string Output)> TimedAsync(string? what, string root, params string[] args)
    {
        var knownHosts = Path.Combine(vm.PrivateRoot, "..", "known_hosts");
        File.WriteAllText(knownHosts, vm.KnownHostsLine + "\n");
        var remote = args[0] == "Images" ? [] : new[] { "--host", $"root@{vm.Address}", "--ssh-key", vm.ClientKeyPath, "--known-hosts", knownHosts, "--tls-at-load-balancer" };
        var clock = Stopwatch.StartNew();
        var result = await ChildProcess.RunAsync(Path.Combine(root, "build.sh"), [.. args, .. remote, "--project-name", "mlstackbench"], workingDirectory: root, timeout: TimeSpan.FromMinutes(20));
        var elapsed = clock.Elapsed;
        output.WriteLine($"== {what ?? string.Join(' ', args)}: {elapsed.TotalSeconds:0.0} s\n{result.Output}");
        Assert.True(result.ExitCode == 0, result.Output);
        if (what != null)
            _rows.Add($"| {what} | {elapsed.TotalSeconds:0.0} s | |");
        return (result, elapsed, result.Output);
    }
}
