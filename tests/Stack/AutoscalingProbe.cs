using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Mlstack.Build.Gates;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Stack;

/// <summary>What the autoscaling scenarios look at on a running stack: worker-heavy's replicas, training runs queued
/// through the frontend, and the latency of quick tasks measured inside worker-light.</summary>
internal sealed class AutoscalingProbe(StackEngine engine, HttpClient http)
{
    public const int TrainingSamples = 1_000_000; // about 2.5 s of training per task on this machine

    /// <summary>Sends N ping tasks to queue quick one after another and prints each round trip in ms, sorted.</summary>
    private const string PingScript = """
        import json, os, sys, time
        from celery import Celery
        from mlservice import config
        app = Celery(broker=config.BROKER_URL, backend=config.RESULT_BACKEND)
        app.send_task("mlservice.tasks.ping", queue="quick").get(timeout=30)  # connections made before timing
        times = []
        for _ in range(int(sys.argv[1])):
            started = time.perf_counter()
            result = app.send_task("mlservice.tasks.ping", queue="quick")
            result.get(timeout=30)
            result.forget()
            times.append((time.perf_counter() - started) * 1000)
            time.sleep(0.2)
        print(json.dumps(sorted(times)))
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async Task<IReadOnlyList<ContainerSnapshot>> HeavyAsync() =>
        [.. (await engine.SnapshotAsync(Ct)).Where(c => c.Service == "worker-heavy")];

    public async Task<int> HeavyRunningAsync() => (await HeavyAsync()).Count(c => c.IsRunning);

    /// <param name="state">What was seen last, for the failure message.</param>
    public static async Task<TimeSpan> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit, string what, Func<string>? state = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit)
                Assert.Fail($"{what}: not within {limit.TotalSeconds:0}s{(state == null ? string.Empty : $"; {state()}")}");
            await Task.Delay(500, Ct);
        }

        return clock.Elapsed;
    }

    public async Task<IReadOnlyList<string>> QueueTrainingsAsync(int count)
    {
        var ids = new List<string>();
        for (var seed = 1; seed <= count; seed++)
        {
            using var response = await http.PostAsJsonAsync("/api/train", new { samples = TrainingSamples, seed }, Ct);
            response.EnsureSuccessStatusCode();
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("run_id").GetString()!);
        }

        return ids;
    }

    public async Task<IReadOnlyList<string>> StatusesAsync(IEnumerable<string> runs) =>
        await Task.WhenAll(runs.Select(async id => (await http.GetFromJsonAsync<JsonElement>($"/api/runs/{id}", Ct)).GetProperty("status").GetString()!));

    /// <summary>Round trips of <paramref name="count"/> quick tasks through worker-light, in ms, sorted.</summary>
    public async Task<double[]> QuickTaskLatenciesAsync(int count)
    {
        var light = (await engine.SnapshotAsync(Ct)).First(c => c.Service == "worker-light" && c.IsRunning).Id;
        var result = await ChildProcess.RunAsync("docker", ["exec", light, "python3", "-c", PingScript, count.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(result.ExitCode == 0, result.Output);
        return JsonSerializer.Deserialize<double[]>(result.Output.Trim().Split('\n')[^1])!;
    }

    public static double Median(double[] sorted) => sorted[sorted.Length / 2];

    /// <summary>Sends one task straight to a queue (from worker-light) and returns its result as JSON.</summary>
    public async Task<JsonElement> SendTaskAsync(string task, string queue, object[] arguments, int waitSeconds)
    {
        const string Script = """
            import json, os, sys
            from celery import Celery
            from mlservice import config
            app = Celery(broker=config.BROKER_URL, backend=config.RESULT_BACKEND)
            print(json.dumps(app.send_task(sys.argv[1], args=json.loads(sys.argv[3]), queue=sys.argv[2]).get(timeout=int(sys.argv[4]))))
            """;
        var light = (await engine.SnapshotAsync(Ct)).First(c => c.Service == "worker-light" && c.IsRunning).Id;
        var result = await ChildProcess.RunAsync("docker", ["exec", light, "python3", "-c", Script, task, queue, JsonSerializer.Serialize(arguments), waitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(result.ExitCode == 0, result.Output);
        return JsonSerializer.Deserialize<JsonElement>(result.Output.Trim().Split('\n')[^1]);
    }
}
