using System.Net.Http.Json;
using System.Text.Json;

namespace Mlstack.Build.Smoke;

/// <summary>Through the frontend: POST /api/train (marked as a smoke run), wait for the worker to finish it, then
/// POST /api/predict with that run's model and check the answer's shape. With no live consumer on the training
/// queue it fails at once, naming the worker, and queues nothing; a run that does not finish is taken back off the
/// queue and marked failed, so no stray training waits for the next worker.</summary>
public sealed record TrainPredictFlow(string Service, string Consumer, string Queue) : SmokeCheck(Service, "train → predict through the frontend")
{
    public override IReadOnlyList<string> Needs => [Service, SmokeContext.Entry, Consumer];

    private static readonly double[][] Rows = [[0.1, 1.2, -0.3, 0.5], [1.0, -2.0, 0.5, 0.0]];

    public override async Task RunAsync(SmokeContext context, CancellationToken ct)
    {
        await QueueConsumer.RequireAsync(context, Consumer, Queue, "so no training was queued", ct).ConfigureAwait(false);
        string? queued = null;
        try
        {
            await ProveAsync(context.Http, context.StackUrl, ct, id => queued = id).ConfigureAwait(false);
        }
        catch (Exception e) when (queued != null && e is CheckFailedException or OperationCanceledException or HttpRequestException)
        {
            using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await WithdrawAsync(context, queued, cleanup.Token).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Takes the smoke run's task off the broker's queue and marks its run failed.</summary>
    private async Task WithdrawAsync(SmokeContext context, string runId, CancellationToken ct)
    {
        const string Cli = "redis_cli -n 0";
        var script = $"{RedisCli.Define}{Cli} --raw LRANGE \"$0\" 0 -1 | grep -F \"$1\" | while IFS= read -r m; do {Cli} LREM \"$0\" 1 \"$m\"; done";
        await context.Exec.RunAsync("redis", ["sh", "-c", script, Queue, runId], ct).ConfigureAwait(false);
        const string Sql = "UPDATE runs SET status = 'failed', error = 'smoke test gave up on it', finished_at = now() WHERE id = :'id' AND status IN ('queued', 'running')";
        // psql interpolates :'id' (quoted safely) only in what it reads, not in -c.
        await context.Exec.RunAsync("postgres", ["sh", "-c", "printf '%s\\n' \"$1\" | psql -q -U \"$POSTGRES_USER\" -d \"$APP_DB_NAME\" -v id=\"$0\"", runId, Sql], ct).ConfigureAwait(false);
    }

    /// <summary>The flow itself; it needs only HTTP (LoadTest uses it to have a model to score with).</summary>
    public static async Task ProveAsync(HttpClient http, Uri stack, CancellationToken ct, Action<string>? onQueued = null)
    {
        using var train = await http.PostAsJsonAsync(new Uri(stack, "/api/train"), new { samples = 200, seed = 7, smoke = true }, ct).ConfigureAwait(false);
        var queued = await train.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        CheckFailedException.Unless((int)train.StatusCode == 202, "HTTP 202 from /api/train", $"HTTP {(int)train.StatusCode}: {Clip(queued)}");
        var runId = Json.Select(queued, "run_id") ?? throw new CheckFailedException("a run_id", Clip(queued));
        onQueued?.Invoke(runId);

        var status = "queued";
        try
        {
            do
            {
                await Task.Delay(300, ct).ConfigureAwait(false);
                var run = await http.GetStringAsync(new Uri(stack, $"/api/runs/{runId}"), ct).ConfigureAwait(false);
                status = Json.Select(run, "status") ?? "(missing)";
                CheckFailedException.Unless(status != "failed", "the run to succeed", $"failed: {Json.Select(run, "error")}");
            }
            while (status != "succeeded");
        }
        catch (OperationCanceledException)
        {
            // Where it stopped tells a task nobody took ("queued") from a training that never ended ("running").
            throw new CheckFailedException($"run {runId} to succeed within the check's limit", $"still {status} when the limit came");
        }

        using var predict = await http.PostAsJsonAsync(new Uri(stack, "/api/predict"), new { features = Rows, run_id = runId }, ct).ConfigureAwait(false);
        var body = await predict.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        CheckFailedException.Unless(predict.IsSuccessStatusCode, "HTTP 200 from /api/predict", $"HTTP {(int)predict.StatusCode}: {Clip(body)}");
        using var answer = JsonDocument.Parse(body);
        var predictions = answer.RootElement.GetProperty("predictions").EnumerateArray().Select(p => p.GetInt32()).ToList();
        var probabilities = answer.RootElement.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToList();
        var shaped = predictions.Count == Rows.Length && probabilities.Count == Rows.Length
            && predictions.All(p => p is 0 or 1) && probabilities.All(p => p is >= 0 and <= 1)
            && Json.Select(body, "run_id") == runId;
        CheckFailedException.Unless(shaped, $"{Rows.Length} labels in {{0,1}} and {Rows.Length} probabilities in [0,1] from run {runId}", Clip(body));
    }
}
