using System.Diagnostics;
using Docker.DotNet.Models;
using Mlstack.Build.Doctor;
using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Remote;

/// <summary>Figures, not assertions: ImageShipper against <c>docker save | ssh vm docker load</c> for a ~100 MB image
/// on a fresh VM, then for one small changed layer. Explicit: it moves a few hundred MB.
/// Writes .nuke/temp/reports/ship-benchmark.md.</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(EngineAlone.Name)]
public sealed class SshShippingBenchmarkTests(TestVm vm, ITestOutputHelper output) : IClassFixture<TestVm>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Explicit: never part of a plain run (it is a benchmark, not a test); run it with
    /// <c>./build.sh Test --test-filter SshShippingBenchmark --test-explicit</c>.</summary>
    [Fact(Explicit = true)]
    public async Task Ship_versus_save_and_load()
    {
        vm.Require();
        await FixtureImage.EnsureAsync();
        using var local = EngineProbe.Client(EngineProbe.Endpoint().Endpoint);
        await using var session = await SshSession.ConnectAsync(vm.Target, HostKeyTrust.Pinned(vm.HostKeyFingerprint), vm.ClientKeyPath, Ct);
        using var vmEngine = session.OpenEngine();
        var name = $"mlstack-bench/app-{Guid.NewGuid():N}"[..30];
        var storage = Directory.CreateTempSubdirectory("mlstack-bench-registry-").FullName;
        var knownHosts = Path.Combine(storage, "..", Path.GetFileName(storage) + ".known_hosts");
        await File.WriteAllTextAsync(knownHosts, vm.KnownHostsLine + "\n", Ct);
        using var logText = new StringWriter();
        var log = new BuildLog(logText, new SecretMasker(), false);
        var rows = new List<string>();
        try
        {
            await LocalImages.BuildAsync(local, $"{name}:big", $"FROM {FixtureImage.Name}\nCOPY big /big\n", new Dictionary<string, byte[]> { ["big"] = LocalImages.Random(100 << 20) });
            await LocalImages.BuildAsync(local, $"{name}:small", $"FROM {name}:big\nCOPY small /small\n", new Dictionary<string, byte[]> { ["small"] = LocalImages.Random(1 << 20) });

            rows.Add(await SaveLoadAsync($"{name}:big", "fresh VM", knownHosts));
            await vmEngine.Images.DeleteImageAsync($"{name}:big", new ImageDeleteParameters { Force = true }, Ct);
            rows.Add(await ShipAsync(local, session, $"{name}:big", "fresh VM", log, storage));
            rows.Add(await ShipAsync(local, session, $"{name}:small", "one 1 MB layer changed", log, storage));
            rows.Add(await SaveLoadAsync($"{name}:small", "one 1 MB layer changed", knownHosts));
        }
        finally
        {
            output.WriteLine($"connection error: {session.ConnectionError}");
            await LocalImages.RemoveAsync(local, $"{name}:small", $"{name}:big");
            Directory.Delete(storage, recursive: true);
            File.Delete(knownHosts);
        }

        var report = string.Join('\n', ["| method | case | bytes moved | seconds |", "|---|---|---|---|", .. rows]) + $"\n\nVM start: {vm.StartTime.TotalSeconds:0.0} s\n\n" + logText;
        output.WriteLine(report);
        var reports = Path.Combine(RepositoryRoot.Path, ".nuke", "temp", "reports");
        Directory.CreateDirectory(reports);
        await File.WriteAllTextAsync(Path.Combine(reports, "ship-benchmark.md"), report, Ct);
    }

    private static async Task<string> ShipAsync(Docker.DotNet.DockerClient local, SshSession session, string image, string what, BuildLog log, string storage)
    {
        var clock = Stopwatch.StartNew();
        var shipped = Assert.Single(await ImageShipper.ShipAsync(local, session, [image], log, storage, Ct));
        return $"| ImageShipper | {what} | {shipped.BytesMoved / 1e6:0.0} MB | {clock.Elapsed.TotalSeconds:0.0} |";
    }

    private async Task<string> SaveLoadAsync(string image, string what, string knownHosts)
    {
        var bytes = (await ChildProcess.RunAsync("sh", ["-c", $"docker save {image} | wc -c"])).Output.Trim();
        var ssh = $"ssh -i {vm.ClientKeyPath} -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile={knownHosts} root@{vm.Address}";
        var clock = Stopwatch.StartNew();
        var result = await ChildProcess.RunAsync("sh", ["-c", $"docker save {image} | {ssh} docker load"], timeout: TimeSpan.FromMinutes(10));
        Assert.True(result.ExitCode == 0, result.Output);
        return $"| docker save \\| ssh docker load | {what} | {long.Parse(bytes, System.Globalization.CultureInfo.InvariantCulture) / 1e6:0.0} MB | {clock.Elapsed.TotalSeconds:0.0} |";
    }
}
