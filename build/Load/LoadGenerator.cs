using System.Diagnostics;

namespace Mlstack.Build.Load;

/// <summary>An open-model load generator: requests are sent at their scheduled times whatever the server does.
/// When the in-flight limit is reached, the dispatcher waits for a free slot and the request is counted as late
/// (its latency still runs from its intended send time, so a stalled server cannot hide — coordinated omission
/// corrected, as wrk2 does); one that cannot start within MaxLateness is dropped and counted.</summary>
public sealed class LoadGenerator(HttpMessageInvoker client, Uri baseUrl)
{
    private static readonly TimeSpan LateAfter = TimeSpan.FromMilliseconds(10);

    /// <summary>The one shared handler: a deliberate connection limit, no cookies, no proxy, no decompression.</summary>
    public static SocketsHttpHandler Handler(int maxConnections) => new()
    {
        MaxConnectionsPerServer = maxConnections,
        UseCookies = false,
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
    };

    public async Task<IReadOnlyList<ScenarioStats>> RunAsync(IReadOnlyList<LoadScenario> scenarios, LoadProfile profile, TimeSpan drainTimeout, CancellationToken ct)
    {
        var stats = scenarios.Select(s => new ScenarioStats(s.Name, profile.Duration)).ToArray();
        var uris = scenarios.Select(s => new Uri(baseUrl, s.Path)).ToArray();
        var picker = new WeightedPicker(scenarios.Select(s => s.Weight).ToArray());
        using var slots = new SemaphoreSlim(profile.MaxInFlight);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pending = new List<Task>();
        var clock = Stopwatch.StartNew();

        for (long i = 0; ; i++)
        {
            var intended = profile.IntendedTime(i);
            if (intended >= profile.End)
                break;
            var wait = intended - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
                await Task.Delay(wait, ct).ConfigureAwait(false);

            var index = picker.Next();
            var measured = intended >= profile.Warmup;
            if (!slots.Wait(0, CancellationToken.None)) // no free slot: this request is late
            {
                var allowed = profile.MaxLateness - (clock.Elapsed - intended);
                if (allowed <= TimeSpan.Zero || !await slots.WaitAsync(allowed, ct).ConfigureAwait(false))
                {
                    if (measured)
                        stats[index].RecordDropped();
                    continue;
                }
            }

            pending.Add(SendAsync(scenarios[index], uris[index], stats[index], intended, measured, profile.Warmup, clock, slots, abort.Token));
            if (pending.Count > 4096)
                pending.RemoveAll(t => t.IsCompleted);
        }

        var drained = Task.WhenAll(pending);
        if (await Task.WhenAny(drained, Task.Delay(drainTimeout, ct)).ConfigureAwait(false) != drained)
            await abort.CancelAsync().ConfigureAwait(false);
        await drained.ConfigureAwait(false);
        return stats;
    }

    private async Task SendAsync(LoadScenario scenario, Uri uri, ScenarioStats stats, TimeSpan intended, bool measured, TimeSpan warmup, Stopwatch clock, SemaphoreSlim slots, CancellationToken ct)
    {
        var sent = clock.Elapsed;
        var status = 0;
        var ok = false;
        try
        {
            using var request = new HttpRequestMessage(scenario.Method, uri);
            if (scenario.JsonBody is { } body)
            {
                request.Content = new ReadOnlyMemoryContent(body);
                request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            }

            using var response = await client.SendAsync(request, ct).ConfigureAwait(false);
            await response.Content.CopyToAsync(Stream.Null, ct).ConfigureAwait(false);
            status = (int)response.StatusCode;
            ok = response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            // counted as an error below (status 0: no response)
        }
        finally
        {
            slots.Release();
        }

        if (measured)
            stats.Record(intended, sent, clock.Elapsed, status, ok, sent - intended > LateAfter, warmup);
    }

    /// <summary>Smooth weighted round-robin: deterministic, and spreads each scenario evenly over time.</summary>
    private sealed class WeightedPicker(double[] weights)
    {
        private readonly double[] _current = new double[weights.Length];
        private readonly double _total = weights.Sum();

        public int Next()
        {
            var best = 0;
            for (var i = 0; i < weights.Length; i++)
            {
                _current[i] += weights[i];
                if (_current[i] > _current[best])
                    best = i;
            }

            _current[best] -= _total;
            return best;
        }
    }
}
