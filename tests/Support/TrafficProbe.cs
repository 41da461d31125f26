using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Mlstack.Tests.Support;

/// <summary>One kind of request the probe sends: <see cref="Path"/> is resolved against the probe's base address.</summary>
internal sealed record ProbeRequest(HttpMethod Method, string Path, string? JsonBody = null)
{
    public static ProbeRequest Get(string path) => new(HttpMethod.Get, path);

    public static ProbeRequest Post(string path, string json) => new(HttpMethod.Post, path, json);

    public string Kind => $"{Method} {Path}";
}

/// <summary>What became of one request: <see cref="Status"/> is null when no answer came, and then
/// <see cref="Error"/> says why (exception type and message, or the timeout).</summary>
internal sealed record ProbeOutcome(string Kind, DateTimeOffset Started, TimeSpan Latency, int? Status, string? Error)
{
    public bool Failed => Error != null || Status is not (>= 200 and < 300);
}

internal sealed record ProbeMark(DateTimeOffset At, string Label);

/// <summary>Sends a steady rate of HTTP requests to a stack's published port while something (a deploy) happens,
/// and records every outcome, so a test can assert that nothing failed and nothing was slow.
/// Open loop: a request leaves every 1/rate s whatever earlier ones are doing, so a stall shows up as slow or
/// failed requests, never as a lower rate (a closed loop would wait out the stall and send less during it).</summary>
internal sealed class TrafficProbe : IAsyncDisposable
{
    private readonly HttpClient _client;
    private readonly IReadOnlyList<ProbeRequest> _kinds;
    private readonly Uri[] _uris;
    private readonly double _rate;
    private readonly TimeSpan _timeout;
    private readonly DateTimeOffset _origin = DateTimeOffset.UtcNow;
    private readonly long _originTimestamp = Stopwatch.GetTimestamp();
    private readonly ConcurrentQueue<ProbeOutcome> _outcomes = new();
    private readonly ConcurrentQueue<ProbeMark> _marks = new();
    private readonly CancellationTokenSource _stopSending = new();
    private readonly CancellationTokenSource _abandon = new(); // only on dispose without a stop: in-flight requests end
    private readonly List<Task> _inFlight = [];
    private readonly Task _sending;
    private readonly Lock _stopping = new();
    private Task<TrafficReport>? _report;

    private TrafficProbe(Uri baseUri, IReadOnlyList<ProbeRequest> kinds, double rate, TimeSpan timeout, System.Security.Cryptography.X509Certificates.X509Certificate2? trust)
    {
        if (kinds.Count == 0)
            throw new ArgumentException("at least one kind of request is needed", nameof(kinds));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _kinds = kinds;
        _uris = kinds.Select(k => new Uri(baseUri, k.Path)).ToArray();
        _rate = rate;
        _timeout = timeout;
        _client = new HttpClient(new SocketsHttpHandler
        {
            // connections are renewed during the test, so a deploy that breaks new connections (not only old
            // ones) is seen too
            PooledConnectionLifetime = TimeSpan.FromSeconds(3),
            // HTTP/1.1 needs one connection per request in flight: during a stall they pile up, and a low limit
            // would queue requests in the handler instead of sending them on schedule
            MaxConnectionsPerServer = 256,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false, // a redirect is an answer to report, not to follow
            SslOptions = trust == null ? new() : Trusting(trust).SslOptions,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each request has its own timeout, so it can be told apart from other cancellations
        };
        _sending = Task.Run(SendOnScheduleAsync);
    }

    /// <summary>Starts sending at once: <paramref name="rate"/> requests per second in all, round-robin over
    /// <paramref name="kinds"/>; a request with no full answer within <paramref name="timeout"/> (10 s if not
    /// given) fails.</summary>
    /// <param name="trust">For HTTPS with a test CA's certificate: the CA, trusted alone.</param>
    public static TrafficProbe Start(Uri baseUri, IReadOnlyList<ProbeRequest> kinds, double rate = 50, TimeSpan? timeout = null, System.Security.Cryptography.X509Certificates.X509Certificate2? trust = null) =>
        new(baseUri, kinds, rate, timeout ?? TimeSpan.FromSeconds(10), trust);

    /// <summary>A handler that trusts <paramref name="root"/> alone (a test CA), and checks names as any client does.</summary>
    public static SocketsHttpHandler Trusting(System.Security.Cryptography.X509Certificates.X509Certificate2 root) => new()
    {
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions
        {
            CertificateChainPolicy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
            {
                TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { root },
                RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            },
        },
    };

    /// <summary>Puts a timestamped label into the record ("deploy started"), so failures can be placed relative to it.</summary>
    public DateTimeOffset Mark(string label)
    {
        var at = Now;
        _marks.Enqueue(new ProbeMark(at, label));
        return at;
    }

    /// <summary>Stops sending, waits for the requests in flight (each ends within the timeout) and reports them all.</summary>
    public Task<TrafficReport> StopAsync()
    {
        lock (_stopping)
            return _report ??= StopCoreAsync();
    }

    // One clock for starts, marks and windows: the wall clock at start plus a monotonic stopwatch, so a wall
    // clock step during the test cannot reorder them.
    private DateTimeOffset Now => _origin + Stopwatch.GetElapsedTime(_originTimestamp);

    private async Task<TrafficReport> StopCoreAsync()
    {
        await _stopSending.CancelAsync();
        await _sending;
        var stopped = Now;
        await Task.WhenAll(_inFlight);
        return TrafficReport.Of(_outcomes.ToArray(), _marks.ToArray(), _origin, stopped);
    }

    private async Task SendOnScheduleAsync()
    {
        var clock = Stopwatch.StartNew();
        for (long i = 0; !_stopSending.IsCancellationRequested; i++)
        {
            // the schedule is fixed from the start: when this loop is late (a busy machine), it catches up at
            // once instead of drifting to a lower rate
            var wait = TimeSpan.FromSeconds(i / _rate) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, _stopSending.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            var index = (int)(i % _kinds.Count);
            _inFlight.Add(SendAsync(_kinds[index], _uris[index]));
            if (_inFlight.Count > 1024)
                _inFlight.RemoveAll(t => t.IsCompleted);
        }
    }

    private async Task SendAsync(ProbeRequest kind, Uri uri)
    {
        var started = Now;
        var clock = Stopwatch.StartNew();
        int? status = null;
        string? error = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_abandon.Token);
        timeout.CancelAfter(_timeout);
        try
        {
            using var request = new HttpRequestMessage(kind.Method, uri);
            if (kind.JsonBody != null)
                request.Content = new StringContent(kind.JsonBody, Encoding.UTF8, "application/json");
            // the default completion reads the whole body, so a response cut off midway fails too
            using var response = await _client.SendAsync(request, timeout.Token);
            status = (int)response.StatusCode;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            error = _abandon.IsCancellationRequested ? "abandoned: the probe was disposed before it was stopped" : $"timeout: no full answer in {_timeout.TotalSeconds:0.###} s";
        }
        catch (Exception e) // whatever went wrong is the finding: record it, never lose the request
        {
            error = Describe(e);
        }

        _outcomes.Enqueue(new ProbeOutcome(kind.Kind, started, clock.Elapsed, status, error));
    }

    // HttpRequestException's own message is generic ("An error occurred while sending the request"); the
    // innermost exception says what happened (connection refused, reset by peer).
    private static string Describe(Exception e)
    {
        var text = $"{e.GetType().Name}: {e.Message}";
        var inner = e;
        while (inner.InnerException != null)
            inner = inner.InnerException;
        return inner == e ? text : $"{text} ({inner.GetType().Name}: {inner.Message})";
    }

    public async ValueTask DisposeAsync()
    {
        bool stopped;
        lock (_stopping)
            stopped = _report != null;
        if (!stopped)
        {
            // a test that failed before StopAsync: do not make it wait out the requests' timeouts as well
            await _abandon.CancelAsync();
            await StopAsync();
        }
        else
        {
            await _report!;
        }

        _client.Dispose();
        _stopSending.Dispose();
        _abandon.Dispose();
    }
}

/// <summary>The outcome of a probe's requests, or of those started in a <see cref="Window"/> of it.
/// Latencies are of all requests, failed ones too (a timed-out request counts with its timeout).</summary>
internal sealed record TrafficReport
{
    private const int FailuresListed = 20;

    private TrafficReport(IReadOnlyList<ProbeOutcome> outcomes, IReadOnlyList<ProbeMark> marks, DateTimeOffset from, DateTimeOffset to, DateTimeOffset origin)
    {
        Outcomes = outcomes;
        Marks = marks;
        From = from;
        To = to;
        Origin = origin;
        var failed = outcomes.Where(o => o.Failed).ToList();
        Failed = failed.Count;
        Failures = failed.Take(FailuresListed).Select(Line).ToList();
        var latencies = outcomes.Select(o => o.Latency).Order().ToArray();
        MaxLatency = latencies.Length == 0 ? TimeSpan.Zero : latencies[^1];
        P50 = Percentile(latencies, 50);
        P99 = Percentile(latencies, 99);
        var seconds = (to - from).TotalSeconds;
        AchievedRate = seconds > 0 ? outcomes.Count / seconds : 0;
    }

    internal static TrafficReport Of(IEnumerable<ProbeOutcome> outcomes, IEnumerable<ProbeMark> marks, DateTimeOffset from, DateTimeOffset to) =>
        new(outcomes.OrderBy(o => o.Started).ToList(), marks.OrderBy(m => m.At).ToList(), from, to, from);

    /// <summary>Every request, in the order they were started.</summary>
    public IReadOnlyList<ProbeOutcome> Outcomes { get; }

    public IReadOnlyList<ProbeMark> Marks { get; }

    /// <summary>The span the requests were started in (the rate is per second of it).</summary>
    public DateTimeOffset From { get; }

    public DateTimeOffset To { get; }

    // the probe's start: times in the summary are also given relative to it, to read them against the marks
    private DateTimeOffset Origin { get; }

    public int Total => Outcomes.Count;

    public int Failed { get; }

    /// <summary>The first 20 failures, each "time (+seconds since start) kind status-or-exception".</summary>
    public IReadOnlyList<string> Failures { get; }

    public TimeSpan MaxLatency { get; }

    public TimeSpan P50 { get; }

    public TimeSpan P99 { get; }

    /// <summary>Requests started per second of <see cref="From"/>..<see cref="To"/>.</summary>
    public double AchievedRate { get; }

    /// <summary>The same figures for the requests started in [from, to), e.g. during a switch; the window is
    /// clipped to this report's span, so the rate is per second the probe was sending.</summary>
    public TrafficReport Window(DateTimeOffset from, DateTimeOffset to)
    {
        var start = from > From ? from : From;
        var end = to < To ? to : To;
        if (end < start)
            end = start;
        return new TrafficReport(Outcomes.Where(o => o.Started >= from && o.Started < to).ToList(),
            Marks.Where(m => m.At >= from && m.At < to).ToList(), start, end, Origin);
    }

    // nearest rank: a real latency that some request had, never one interpolated between two
    private static TimeSpan Percentile(TimeSpan[] sorted, int percent) =>
        sorted.Length == 0 ? TimeSpan.Zero : sorted[Math.Max(0, (int)Math.Ceiling(percent / 100.0 * sorted.Length) - 1)];

    private string Time(DateTimeOffset at) =>
        string.Create(CultureInfo.InvariantCulture, $"{at.UtcDateTime:HH:mm:ss.fff} (+{(at - Origin).TotalSeconds:0.00} s)");

    private string Line(ProbeOutcome o) =>
        $"{Time(o.Started)} {o.Kind} {(o.Error ?? o.Status?.ToString(CultureInfo.InvariantCulture))}";

    public override string ToString()
    {
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        text.AppendLine(invariant, $"{Total} requests in {(To - From).TotalSeconds:0.0} s ({AchievedRate:0.0}/s), {Failed} failed");
        text.AppendLine(invariant, $"latency p50 {P50.TotalMilliseconds:0} ms, p99 {P99.TotalMilliseconds:0} ms, max {MaxLatency.TotalMilliseconds:0} ms");
        if (Outcomes.Count > 0)
        {
            var slowest = Outcomes.MaxBy(o => o.Latency)!;
            text.AppendLine(invariant, $"slowest: {Line(slowest)} after {slowest.Latency.TotalMilliseconds:0} ms");
        }

        foreach (var mark in Marks)
            text.AppendLine(invariant, $"mark {Time(mark.At)} {mark.Label}");
        foreach (var failure in Failures)
            text.AppendLine(invariant, $"failed {failure}");
        if (Failed > Failures.Count)
            text.AppendLine(invariant, $"... and {Failed - Failures.Count} more failures");
        return text.ToString().TrimEnd();
    }
}
