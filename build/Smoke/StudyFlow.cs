using System.Net.Http.Json;

namespace Mlstack.Build.Smoke;

/// <summary>Through the frontend: create an Optuna study, optimize it with a few trials (heavy-queue tasks, so this
/// also proves worker-heavy scales up from 0 for them), wait until every trial finished — complete or pruned, a failed
/// one fails the check with its error —, fetch its chart, and delete it whatever happened.</summary>
public sealed record StudyFlow(string Service, int Trials) : SmokeCheck(Service, $"Optuna study of {Trials} trials completes, with its chart")
{
    public override IReadOnlyList<string> Needs => [Service, SmokeContext.Entry, "worker-heavy"];

    public override async Task RunAsync(SmokeContext context, CancellationToken ct)
    {
        await QueueConsumer.RequireAsync(context, "worker-heavy", "ml", "so no study was started", ct).ConfigureAwait(false);
        var name = $"smoke-{Guid.NewGuid():N}"[..20];
        var http = context.Http;
        Uri Api(string path) => new(context.StackUrl, $"/api/studies{path}");
        using var created = await http.PostAsJsonAsync(Api(""), new { name, sampler = "random" }, ct).ConfigureAwait(false);
        CheckFailedException.Unless((int)created.StatusCode == 201, "HTTP 201 from POST /api/studies", $"HTTP {(int)created.StatusCode}: {Clip(await created.Content.ReadAsStringAsync(ct).ConfigureAwait(false))}");
        try
        {
            using var optimize = await http.PostAsJsonAsync(Api($"/{name}/optimize"), new { trials = Trials, samples = 500 }, ct).ConfigureAwait(false);
            CheckFailedException.Unless((int)optimize.StatusCode == 202, "HTTP 202 from optimize", $"HTTP {(int)optimize.StatusCode}");
            string study;
            do
            {
                await Task.Delay(500, ct).ConfigureAwait(false);
                study = await http.GetStringAsync(Api($"/{name}"), ct).ConfigureAwait(false);
                if (Count(study, "fail") > 0)
                    throw new CheckFailedException("no failed trial", Clip(await http.GetStringAsync(Api($"/{name}/trials"), ct).ConfigureAwait(false)));
            }
            while (Count(study, "complete") + Count(study, "pruned") < Trials);

            var chart = await http.GetStringAsync(Api($"/{name}/chart"), ct).ConfigureAwait(false);
            CheckFailedException.Unless(chart.Contains("Plotly.newPlot", StringComparison.Ordinal), "a plotly chart", Clip(chart));
        }
        finally
        {
            using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var deleted = await http.DeleteAsync(Api($"/{name}"), cleanup.Token).ConfigureAwait(false);
        }
    }

    private static int Count(string study, string state) =>
        int.TryParse(Json.Select(study, $"trials.{state}"), out var count) ? count : 0;
}
