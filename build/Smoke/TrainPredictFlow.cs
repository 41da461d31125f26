using System.Net.Http.Json;
using System.Text.Json;

namespace Mlstack.Build.Smoke;

/// <summary>Through the frontend: POST /api/train (marked as a smoke run), wait for the worker to finish it, then
/// POST /api/predict with that run's model and check the answer's shape.</summary>
public sealed record TrainPredictFlow(string Service) : SmokeCheck(Service, "train → predict through the frontend")
{
    private static readonly double[][] Rows = [[0.1, 1.2, -0.3, 0.5], [1.0, -2.0, 0.5, 0.0]];

    public override Task RunAsync(SmokeContext context, CancellationToken ct) => ProveAsync(context.Http, context.StackUrl, ct);

    /// <summary>The flow itself; it needs only HTTP (LoadTest uses it to have a model to score with).</summary>
    public static async Task ProveAsync(HttpClient http, Uri stack, CancellationToken ct)
    {
        using var train = await http.PostAsJsonAsync(new Uri(stack, "/api/train"), new { samples = 200, seed = 7, smoke = true }, ct).ConfigureAwait(false);
        var queued = await train.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        CheckFailedException.Unless((int)train.StatusCode == 202, "HTTP 202 from /api/train", $"HTTP {(int)train.StatusCode}: {Clip(queued)}");
        var runId = Json.Select(queued, "run_id") ?? throw new CheckFailedException("a run_id", Clip(queued));

        string status;
        do
        {
            await Task.Delay(300, ct).ConfigureAwait(false);
            var run = await http.GetStringAsync(new Uri(stack, $"/api/runs/{runId}"), ct).ConfigureAwait(false);
            status = Json.Select(run, "status") ?? "(missing)";
            CheckFailedException.Unless(status != "failed", "the run to succeed", $"failed: {Json.Select(run, "error")}");
        }
        while (status != "succeeded");

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
