using System.Collections.Concurrent;
using System.Text.Json;

namespace Mlstack.Build.Smoke;

/// <summary>Runs every <see cref="PythonCheck"/> aimed at one container in a single Python process, each probe in a
/// thread of its own: --fast pays for the interpreter and boto3's and Celery's imports once per container, not once
/// per check (each was ~1 s of CPU on a busy 2-core machine).</summary>
public sealed class PythonBatch(ContainerExec exec)
{
    private const string Runner = """
        import concurrent.futures, json, sys
        specs = json.loads(sys.argv[1])
        def one(spec):
            scope = {}
            try:
                exec(spec["source"], scope)
                return spec["key"], {"ok": True, "value": scope["probe"](*spec["args"])}
            except BaseException as error:
                return spec["key"], {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
        with concurrent.futures.ThreadPoolExecutor(len(specs)) as pool:
            print(json.dumps(dict(pool.map(one, specs))))
        """;

    private readonly ConcurrentDictionary<string, Lazy<Task<JsonElement>>> _runs = new();
    private IReadOnlyList<PythonCheck> _planned = [];

    /// <summary>The checks that will ask: a container's batch holds all of its checks.</summary>
    public void Plan(IEnumerable<SmokeCheck> checks) => _planned = [.. checks.OfType<PythonCheck>()];

    /// <summary>The value the check's probe returned; a probe that raised fails the check with its exception.</summary>
    public async Task<JsonElement> ResultAsync(PythonCheck check, CancellationToken ct)
    {
        var batch = _planned.Where(c => c.Via == check.Via).DefaultIfEmpty(check).ToList();
        var run = _runs.GetOrAdd(check.Via, via => new Lazy<Task<JsonElement>>(() => RunAsync(via, batch)));
        var results = await run.Value.WaitAsync(ct).ConfigureAwait(false);
        var outcome = results.GetProperty(Key(batch.IndexOf(check)));
        return outcome.GetProperty("ok").GetBoolean()
            ? outcome.GetProperty("value")
            : throw new CheckFailedException($"{check.Name} to succeed", outcome.GetProperty("error").GetString() ?? "an error");
    }

    private async Task<JsonElement> RunAsync(string via, IReadOnlyList<PythonCheck> batch)
    {
        // Not the asking check's token: its timeout must not cancel the probes other checks are waiting for.
        using var limit = new CancellationTokenSource(batch.Max(c => c.Timeout));
        var specs = JsonSerializer.Serialize(batch.Select((c, i) => new { key = Key(i), source = c.Source, args = c.Arguments }));
        var result = await exec.RunAsync(via, ["python3", "-c", Runner, specs], limit.Token).ConfigureAwait(false);
        if (result.ExitCode != 0)
            throw new CheckFailedException("the probes to run", result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? $"exit code {result.ExitCode}");
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.Clone();
    }

    private static string Key(int index) => $"p{index}";
}
