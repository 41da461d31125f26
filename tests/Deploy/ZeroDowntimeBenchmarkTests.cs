using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Deploy;

/// <summary>Figures for a release of ml-service's code on a fixture VM under 50 requests a second (GET /api/health,
/// GET /): Deploy new-beside-old against <c>Images</c> alone in the same run (time beyond it, failed requests, p99
/// during the release against p99 at steady state), and the same change done the old way, compose recreating
/// ml-service in place. Explicit: <c>./build.sh Test --test-filter ZeroDowntimeBenchmark --test-explicit</c>; writes
/// .nuke/temp/reports/zero-downtime-benchmark.md.</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(EngineAlone.Name)]
public sealed class ZeroDowntimeBenchmarkTests(TestVm vm, ITestOutputHelper output) : IClassFixture<TestVm>
{
    private readonly VmStackDriver _driver = new(vm);
    private readonly List<string> _rows = [];

    [Fact(Explicit = true)]
    public async Task A_release_of_ml_service_new_beside_old_against_recreate_in_place()
    {
        vm.Require();
        var settings = _driver.EnvFile("zero-downtime");
        await RunAsync(RepositoryRoot.Path, "Deploy", "--env-file", settings);

        var clone = Directory.CreateTempSubdirectory("mlstack-zd-clone-").FullName;
        try
        {
            Assert.Equal(0, (await ChildProcess.RunAsync("git", ["clone", "-q", "--shared", RepositoryRoot.Path, clone])).ExitCode);
            File.AppendAllText(Path.Combine(clone, "docker", "ml-service", "mlservice", "health.py"), $"# benchmark {Guid.NewGuid():N}\n");
            await RunAsync(clone, "Images", "--env-file", settings); // builds the changed image (and the clone's build program): not part of the figures
            var images = (await RunAsync(clone, "Images", "--env-file", settings)).Elapsed;

            await using var probe = TrafficProbe.Start(_driver.BaseUri, [ProbeRequest.Get("/api/health"), ProbeRequest.Get("/")], rate: 50, trust: _driver.TrustedRoot);
            await Task.Delay(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
            var deployStart = probe.Mark("deploy started");
            var (deploy, elapsed) = await RunAsync(clone, "Deploy", "--env-file", settings);
            var deployEnd = probe.Mark("deploy ended");
            var healthy = Regex.Match(deploy.Output, @"Rollout: ml-service: \S+ healthy and answering /health after ([\d.]+)s");
            Assert.True(healthy.Success, deploy.Output);
            var ownTime = double.Parse(healthy.Groups[1].Value, CultureInfo.InvariantCulture);
            var (switchStart, switchEnd) = await SwitchWindowAsync(deployStart, deployEnd);

            // The old way, measured once: compose recreates ml-service in place (stop, then start) under the same load.
            var recreateStart = probe.Mark("recreate started");
            var recreate = await RecreateInPlaceAsync();
            var recreateEnd = probe.Mark("recreate ended");
            await Task.Delay(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            var traffic = await probe.StopAsync();
            output.WriteLine(traffic.ToString());

            var steady = traffic.Window(traffic.From, deployStart);
            var during = traffic.Window(deployStart, deployEnd);
            var switching = traffic.Window(switchStart, switchEnd);
            var inPlace = traffic.Window(recreateStart, recreateEnd.AddSeconds(10));
            _rows.Add($"| `Images` alone, nothing changed | {images.TotalSeconds:0.0} s | |");
            _rows.Add($"| Deploy, ml-service's code changed | {elapsed.TotalSeconds:0.0} s | {(elapsed - images).TotalSeconds:0.0} s beyond `Images`, of which ml-service's own time to healthy {ownTime:0.0} s: {(elapsed - images).TotalSeconds - ownTime:0.0} s of ours (goal < 15 s) |");
            _rows.Add($"| requests during that Deploy | {during.Total}, {during.Failed} failed | p99 {Ms(during.P99)} against {Ms(steady.P99)} at steady state ({during.P99 / steady.P99:0.0}×; goal ≤ 2×), max {Ms(during.MaxLatency)} |");
            _rows.Add($"| requests during the switch itself ({(switchEnd - switchStart).TotalSeconds:0.0} s from the new ml-service's create to the old one's removal) | {switching.Total}, {switching.Failed} failed | p99 {Ms(switching.P99)} ({switching.P99 / steady.P99:0.0}× steady state; goal ≤ 2×), max {Ms(switching.MaxLatency)} |");
            _rows.Add($"| compose recreating ml-service in place (the old way) | {recreate.TotalSeconds:0.0} s | {inPlace.Total} requests in it and the 10 s after, {inPlace.Failed} failed; p99 {Ms(inPlace.P99)}, max {Ms(inPlace.MaxLatency)} |");
        }
        finally
        {
            await ChildProcess.RunAsync("rm", ["-rf", clone]);
        }

        var report = string.Join('\n', ["| what | figure | note |", "|---|---|---|", .. _rows]);
        output.WriteLine(report);
        var reports = Path.Combine(RepositoryRoot.Path, ".nuke", "temp", "reports");
        Directory.CreateDirectory(reports);
        await File.WriteAllTextAsync(Path.Combine(reports, "zero-downtime-benchmark.md"), report + "\n", TestContext.Current.CancellationToken);
    }

    private static string Ms(TimeSpan time) => $"{time.TotalMilliseconds:0} ms";

    /// <summary>The switch as the VM's engine saw it: from the new ml-service copy's create to the old copy's destroy
    /// (the rest of the deploy window is shipping, the other services' start and SmokeTest).</summary>
    private async Task<(DateTimeOffset From, DateTimeOffset To)> SwitchWindowAsync(DateTimeOffset from, DateTimeOffset to)
    {
        var events = await ChildProcess.RunAsync("docker", ["-H", $"unix://{vm.EngineSocket}", "events", "--since", $"{from.ToUnixTimeSeconds()}", "--until", $"{to.ToUnixTimeSeconds() + 1}",
            "--filter", "type=container", "--filter", "label=com.docker.compose.service=ml-service", "--filter", "event=create", "--filter", "event=destroy", "--format", "{{.TimeNano}} {{.Action}}"]);
        Assert.True(events.ExitCode == 0, events.Output);
        var times = events.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' '))
            .Select(parts => (Time: DateTimeOffset.UnixEpoch.AddTicks(long.Parse(parts[0], CultureInfo.InvariantCulture) / 100), Action: parts[1])).ToList();
        var created = times.Where(e => e.Action == "create").Select(e => e.Time).DefaultIfEmpty().Min();
        var destroyed = times.Where(e => e.Action == "destroy").Select(e => e.Time).DefaultIfEmpty().Max();
        Assert.True(created != default && destroyed > created, $"no create then destroy of ml-service on the VM between {from:HH:mm:ss} and {to:HH:mm:ss}: {events.Output}");
        return (created, destroyed);
    }

    /// <summary>On the VM, in the current release's folder: compose up --force-recreate of ml-service alone.</summary>
    private async Task<TimeSpan> RecreateInPlaceAsync()
    {
        await using var session = await Mlstack.Build.Remote.SshSession.ConnectAsync(vm.Target, Mlstack.Build.Remote.HostKeyTrust.Pinned(vm.HostKeyFingerprint), vm.ClientKeyPath, TestContext.Current.CancellationToken);
        var clock = Stopwatch.StartNew();
        var compose = "if docker compose version >/dev/null 2>&1; then c='docker compose'; else c=docker-compose; fi; "
            + $"cd /srv/mlstack/current && $c -p mlstackvm --env-file .env -f compose.yaml -f compose.prod.yaml up -d --no-deps --force-recreate ml-service "
            + $"&& until [ \"$(docker inspect -f '{{{{.State.Health.Status}}}}' $($c -p mlstackvm --env-file .env -f compose.yaml -f compose.prod.yaml ps -q ml-service))\" = healthy ]; do sleep 0.5; done";
        var result = await session.RunAsync(compose, TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, result.Output);
        return clock.Elapsed;
    }

    /// <summary>./build.sh with the VM's settings, from this checkout or a clone (--root), timed.</summary>
    private async Task<(ProcessResult Result, TimeSpan Elapsed)> RunAsync(string root, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        var result = await _driver.BuildSh([.. args, "--root", root]);
        var elapsed = clock.Elapsed;
        output.WriteLine($"== {string.Join(' ', args)}: {elapsed.TotalSeconds:0.0} s\n{result.Output}");
        Assert.True(result.ExitCode == 0, result.Output);
        return (result, elapsed);
    }
}
