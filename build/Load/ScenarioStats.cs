using HdrHistogram;

namespace Mlstack.Build.Load;

/// <summary>What one scenario measured. Latencies go into HdrHistograms (microseconds), never into stored samples:
/// corrected from each request's intended send time, and uncorrected from its actual send, side by side.</summary>
public sealed class ScenarioStats(string name, TimeSpan runLength)
{
    private const long MaxMicros = 120_000_000;
    private readonly Lock _gate = new();
    private readonly LongHistogram[] _perSecond = [.. Enumerable.Range(0, (int)Math.Ceiling(runLength.TotalSeconds) + 1).Select(_ => new LongHistogram(MaxMicros, 3))];
    private readonly long[] _errorsPerSecond = new long[(int)Math.Ceiling(runLength.TotalSeconds) + 1];

    public string Name { get; } = name;
    public LongHistogram Corrected { get; } = new(MaxMicros, 3);
    public LongHistogram Uncorrected { get; } = new(MaxMicros, 3);
    public long Errors { get; private set; }
    public long Dropped { get; private set; }
    public long Late { get; private set; }
    public Dictionary<int, long> StatusCounts { get; } = [];

    public long Requests => Corrected.TotalCount + Errors;

    public void Record(TimeSpan intended, TimeSpan sent, TimeSpan completed, int status, bool ok, bool late, TimeSpan measuredFrom)
    {
        lock (_gate)
        {
            if (late)
                Late++;
            StatusCounts[status] = StatusCounts.GetValueOrDefault(status) + 1;
            var second = Math.Clamp((int)(intended - measuredFrom).TotalSeconds, 0, _perSecond.Length - 1);
            if (!ok)
            {
                Errors++;
                _errorsPerSecond[second]++;
                return;
            }

            var corrected = Micros(completed - intended);
            Corrected.RecordValue(corrected);
            Uncorrected.RecordValue(Micros(completed - sent));
            _perSecond[second].RecordValue(corrected);
        }
    }

    public void RecordDropped()
    {
        lock (_gate)
            Dropped++;
    }

    /// <summary>Per second of the measured part: (requests, errors, corrected p50, corrected p99).</summary>
    public IReadOnlyList<(long Count, long Errors, double P50Ms, double P99Ms)> Timeline()
    {
        lock (_gate)
        {
            return [.. _perSecond.Select((h, i) => (h.TotalCount, _errorsPerSecond[i],
                h.TotalCount == 0 ? 0 : h.GetValueAtPercentile(50) / 1000.0,
                h.TotalCount == 0 ? 0 : h.GetValueAtPercentile(99) / 1000.0))];
        }
    }

    private static long Micros(TimeSpan span) => Math.Clamp(span.Ticks / 10, 1, MaxMicros);
}
