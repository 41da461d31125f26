using System.Diagnostics;
using Mlstack.Build.Doctor;
using Mlstack.Build.Gates;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Stack;

/// <summary>Figures, not assertions (beyond each step happening): on the whole stack, a burst of trainings with
/// worker-heavy at 0 under the autoscaler — time to the first task started, time to drain — against the same burst
/// on one fixed heavy replica (the autoscaler stopped), in the same run. Explicit:
/// <c>./build.sh Test --test-filter AutoscaleBenchmark --test-explicit</c>; writes .nuke/temp/reports/autoscale-benchmark.md.</summary>
[Trait(TestTiers.Trait, TestTiers.Integration)]
[Collection(EngineAlone.Name)]
public sealed class AutoscaleBenchmarkTests(ITestOutputHelper output)
{
    private const string Project = "mlstackbench";
    private const string StackUrl = "http://127.0.0.1:18083";
    private const int Burst = 12;

    private static readonly Dictionary<string, string?> Ports = new()
    {
        ["FRONTEND_PORT"] = "18083",
        ["POSTGRES_PORT"] = "15433",
        ["REDIS_PORT"] = "16380",
        ["S3_PORT"] = "19001",
        ["PROMETHEUS_PORT"] = "19091",
    };

    private static Task<ProcessResult> BuildSh(params string[] args) =>
        ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), [.. args, "--project-name", Project, "--env-file", "stack/.env.example"], Ports, timeout: TimeSpan.FromMinutes(25));

    [Fact(Explicit = true)]
    public async Task A_burst_of_trainings_with_the_autoscaler_against_one_fixed_heavy_replica()
    {
        await Prerequisites.RequireEngineAsync();
        try
        {
            var up = await BuildSh("Up");
            Assert.True(up.ExitCode == 0, up.Output);
            using var engine = new StackEngine(EngineProbe.Client(EngineProbe.Endpoint().Endpoint), Project);
            using var http = new HttpClient { BaseAddress = new Uri(StackUrl) };
            var probe = new AutoscalingProbe(engine, http);
            await AutoscalingProbe.WaitUntilAsync(async () => await probe.HeavyRunningAsync() == 0, TimeSpan.FromSeconds(120), "worker-heavy at 0");

            var (scaledFirst, scaledDrain) = await BurstAsync(probe);
            await AutoscalingProbe.WaitUntilAsync(async () => await probe.HeavyRunningAsync() == 0, TimeSpan.FromSeconds(120), "worker-heavy back at 0");

            // The baseline: the autoscaler stopped and one heavy replica running all along (the stack before tiers).
            var snapshot = await engine.SnapshotAsync(TestContext.Current.CancellationToken);
            await ChildProcess.RunAsync("docker", ["stop", snapshot.Single(c => c.Service == "autoscaler").Id]);
            await ChildProcess.RunAsync("docker", ["start", FirstContainer(snapshot, "worker-heavy")]);
            await AutoscalingProbe.WaitUntilAsync(async () => (await probe.HeavyAsync()).Any(c => c.Health == "healthy"), TimeSpan.FromSeconds(90), "one heavy replica healthy");
            var (fixedFirst, fixedDrain) = await BurstAsync(probe);

            string[] rows =
            [
                "| heavy tier | first of the burst started | burst drained |",
                "|---|---|---|",
                $"| autoscaled from 0 (max 2) | {scaledFirst.TotalSeconds:0.0} s | {scaledDrain.TotalSeconds:0.0} s |",
                $"| one fixed replica (baseline) | {fixedFirst.TotalSeconds:0.0} s | {fixedDrain.TotalSeconds:0.0} s |",
                $"| ratio, autoscaled / fixed | | {scaledDrain / fixedDrain:0.00} |",
            ];
            var report = $"{Burst} trainings of {AutoscalingProbe.TrainingSamples:N0} samples each\n\n" + string.Join('\n', rows);
            output.WriteLine(report);
            var reports = Path.Combine(RepositoryRoot.Path, ".nuke", "temp", "reports");
            Directory.CreateDirectory(reports);
            await File.WriteAllTextAsync(Path.Combine(reports, "autoscale-benchmark.md"), report + "\n", TestContext.Current.CancellationToken);
        }
        finally
        {
            await BuildSh("Down", "--remove-volumes", "--yes");
        }
    }

    private static string FirstContainer(IReadOnlyList<ContainerSnapshot> snapshot, string service) =>
        snapshot.Where(c => c.Service == service).MinBy(c => c.Created)!.Id;

    /// <summary>Queues the burst; returns when its first task started and when its last finished.</summary>
    private static async Task<(TimeSpan FirstStarted, TimeSpan Drained)> BurstAsync(AutoscalingProbe probe)
    {
        var clock = Stopwatch.StartNew();
        var runs = await probe.QueueTrainingsAsync(Burst);
        await AutoscalingProbe.WaitUntilAsync(async () => (await probe.StatusesAsync(runs)).Any(s => s != "queued"), TimeSpan.FromSeconds(120), "the burst's first training started");
        var first = clock.Elapsed;
        await AutoscalingProbe.WaitUntilAsync(async () => (await probe.StatusesAsync(runs)).All(s => s == "succeeded"), TimeSpan.FromSeconds(300), "the burst drained");
        return (first, clock.Elapsed);
    }
}
