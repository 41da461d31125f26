using System.Net.Http.Json;
using Mlstack.Build.Core;
using Mlstack.Build.Smoke;

namespace Mlstack.Build.Load;

/// <summary>/api/predict needs a trained model: train one (marked as a smoke run) when there is none yet.</summary>
public static class ModelSetup
{
    private static readonly double[][] ProbeRow = [[0.0, 0.0, 0.0, 0.0]];

    /// <summary>A client that sends the env file's API token (the training is a write; with PRIVATE_API, reads need it too).</summary>
    public static HttpClient Client(HttpMessageHandler handler, string? apiToken, bool disposeHandler = false)
    {
        var http = new HttpClient(handler, disposeHandler) { Timeout = TimeSpan.FromSeconds(30) };
        if (!string.IsNullOrEmpty(apiToken))
            http.DefaultRequestHeaders.Authorization = new("Bearer", apiToken);
        return http;
    }

    public static async Task EnsureTrainedAsync(HttpClient http, Uri stack, BuildLog log, CancellationToken ct)
    {
        using var probe = await http.PostAsJsonAsync(new Uri(stack, "/api/predict"), new { features = ProbeRow }, ct).ConfigureAwait(false);
        if (probe.IsSuccessStatusCode)
            return;
        if ((int)probe.StatusCode != 409)
            throw new LoadTestFailedException($"{stack}api/predict answered HTTP {(int)probe.StatusCode}; is the stack up (./build.sh Up) and --stack-url right?");

        log.Info("LoadTest: no trained model yet; training one first.");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(90));
        await TrainPredictFlow.ProveAsync(http, stack, limit.Token).ConfigureAwait(false);
    }
}
