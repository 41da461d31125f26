using System.Collections.Concurrent;
using System.Text.Json;

namespace Mlstack.Build.Smoke;

/// <summary>Runs every <see cref="PythonCheck"/> aimed at one container in a single Python process, each probe in a
/// thread of its own: --fast pays for the interpreter and boto3's and Celery's imports once per container, not once
/// per check (each was ~1 s of CPU on a busy 2-core machine). Each probe reports on a line of its own as soon as it
/// finishes, so a slow probe (a Celery task waiting for a worker) never holds up — or times out — the others.</summary>
public sealed class PythonBatch(ContainerExec exec)
{
    private const string Runner = """
        import concurrent.futures, json, sys
        specs = json.loads(sys.argv[1])
        # Sources (their imports) run one after another: boto3 and Celery imported from two threads at once can
        # deadlock on Python's import locks. Only the probes themselves run in parallel.
        probes = {}
        for spec in specs:
            scope = {}
            try:
                exec(spec["source"], scope)
                probes[spec["key"]] = scope["probe"]
            except BaseException as error:
                print(json.dumps({"key": spec["key"], "ok": False, "error": f"{type(error).__name__}: {error}"[:300]}), flush=True)
        def one(spec):
            try:
                return {"key": spec["key"], "ok": True, "value": probes[spec["key"]](*spec["args"])}
            except BaseException as error:
                return {"key": spec["key"], "ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
        ready = [spec for spec in specs if spec["key"] in probes]
        with concurrent.futures.ThreadPoolExecutor(max(1, len(ready))) as pool:
            for done in concurrent.futures.as_completed([pool.submit(one, spec) for spec in ready]):
                print(json.dumps(done.result()), flush=True)
        """;

    private readonly ConcurrentDictionary<string, Lazy<Dictionary<string, TaskCompletionSource<JsonElement>>>> _batches = new();
    private IReadOnlyList<PythonCheck> _planned = [];

    /// <summary>The checks that will ask: a container's batch holds all of its checks.</summary>
    public void Plan(IEnumerable<SmokeCheck> checks) => _planned = [.. checks.OfType<PythonCheck>()];

    /// <summary>The value the check's probe returned; a probe that raised fails the check with its exception.</summary>
    public async Task<JsonElement> ResultAsync(PythonCheck check, CancellationToken ct)
    {
        var batch = _planned.Where(c => c.Via == check.Via).DefaultIfEmpty(check).ToList();
        var results = _batches.GetOrAdd(check.Via, via => new(() => Start(via, batch))).Value;
        var outcome = await results[Key(batch.IndexOf(check))].Task.WaitAsync(ct).ConfigureAwait(false);
        return outcome.GetProperty("ok").GetBoolean()
            ? outcome.GetProperty("value")
            : throw new CheckFailedException($"{check.Name} to succeed", outcome.GetProperty("error").GetString() ?? "an error");
    }

    private Dictionary<string, TaskCompletionSource<JsonElement>> Start(string via, IReadOnlyList<PythonCheck> batch)
    {
        var results = batch.Select((_, i) => Key(i)).ToDictionary(k => k, _ => new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously));
        _ = RunAsync(via, batch, results);
        return results;
    }

    private async Task RunAsync(string via, IReadOnlyList<PythonCheck> batch, Dictionary<string, TaskCompletionSource<JsonElement>> results)
    {
        // Not any asking check's token: one check's timeout must not cancel the probes the others wait for.
        using var limit = new CancellationTokenSource(batch.Max(c => c.Timeout));
        var specs = JsonSerializer.Serialize(batch.Select((c, i) => new { key = Key(i), source = c.Source, args = c.Arguments }));
        string problem;
        try
        {
            var result = await exec.RunAsync(via, ["python3", "-c", Runner, specs], line => Report(line, results), limit.Token).ConfigureAwait(false);
            problem = result.ExitCode == 0 ? "no result from the probe" : result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? $"exit code {result.ExitCode}";
        }
        // InvalidOperationException: Docker.DotNet's HTTP client over the engine socket throws it on a broken exec stream.
        catch (Exception e) when (e is NoRunningContainerException or InvalidOperationException or IOException or OperationCanceledException or Docker.DotNet.DockerApiException)
        {
            problem = e is OperationCanceledException ? "the probe did not finish in time" : e.Message;
        }

        foreach (var pending in results.Values)
            pending.TrySetException(new CheckFailedException("the probe to run", problem));
    }

    private static void Report(string line, Dictionary<string, TaskCompletionSource<JsonElement>> results)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            if (results.TryGetValue(document.RootElement.GetProperty("key").GetString() ?? string.Empty, out var result))
                result.TrySetResult(document.RootElement.Clone());
        }
        catch (JsonException)
        {
            // a stray line (a library printing): not a probe's report
        }
    }

    private static string Key(int index) => $"p{index}";
}
