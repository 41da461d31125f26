namespace Mlstack.Build.Load;

/// <summary>Limits one scenario must stay within; any null limit is not checked.</summary>
public sealed record Thresholds(TimeSpan? P50, TimeSpan? P95, TimeSpan? P99, double MaxErrorRate, double MinAchievedRatio, long MaxDropped);

/// <summary>One kind of request and its share of the arrival rate.</summary>
public sealed record LoadScenario(string Name, HttpMethod Method, string Path, ReadOnlyMemory<byte>? JsonBody, double Weight, Thresholds Thresholds);

/// <summary>The open model's schedule: a constant rate, or a linear ramp from Rate to RampTo over the measured part.</summary>
public sealed record LoadProfile(double Rate, double? RampTo, TimeSpan Warmup, TimeSpan Duration, int MaxInFlight, TimeSpan MaxLateness)
{
    /// <summary>When arrival number <paramref name="index"/> is due, from the start of the run. The warmup runs at
    /// the starting rate; the measured part ramps, if asked.</summary>
    public TimeSpan IntendedTime(long index)
    {
        var warmupArrivals = Rate * Warmup.TotalSeconds;
        if (index < warmupArrivals || RampTo is null)
            return TimeSpan.FromSeconds(index / Rate);
        // arrivals during the ramp: N(t) = r0·t + (r1 − r0)·t² / (2D); solve for t.
        var n = index - warmupArrivals;
        var (r0, r1, d) = (Rate, RampTo.Value, Duration.TotalSeconds);
        var a = (r1 - r0) / (2 * d);
        var t = Math.Abs(a) < 1e-12 ? n / r0 : (-r0 + Math.Sqrt((r0 * r0) + (4 * a * n))) / (2 * a);
        return Warmup + TimeSpan.FromSeconds(t);
    }

    public TimeSpan End => Warmup + Duration;

    /// <summary>How many requests the measured part asks for.</summary>
    public double AskedRequests => RampTo is { } end ? (Rate + end) / 2 * Duration.TotalSeconds : Rate * Duration.TotalSeconds;
}
