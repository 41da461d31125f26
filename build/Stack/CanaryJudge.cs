using System.Globalization;

namespace Mlstack.Build.Stack;

/// <summary>How a canary runs: for <paramref name="Window"/>, <paramref name="Share"/> (0–1) of an upstream's traffic
/// goes to the new copy, the rest to the old ones.</summary>
public sealed record CanaryPolicy(TimeSpan Window, double Share)
{
    /// <summary>The new copy may fail this much more often than the old ones (5xx rate, absolute) before it counts as a
    /// regression: one stray error is not one.</summary>
    public const double ErrorRateMargin = 0.01;

    /// <summary>The new copy's p99 may be this many times the old ones' (plus <see cref="LatencySlack"/>, so a few
    /// milliseconds' difference between fast copies is no regression).</summary>
    public const double LatencyFactor = 2.0;

    public static readonly TimeSpan LatencySlack = TimeSpan.FromMilliseconds(100);

    /// <summary>Fewer requests than this at the new copy cannot be judged: the canary says so and does not block.</summary>
    public const int FewestRequests = 20;
}

/// <summary>What one side (the new copy, or the old ones) answered during the window.</summary>
public sealed record CanaryFigures(int Requests, int ServerErrors, TimeSpan P99)
{
    public double ErrorRate => Requests == 0 ? 0 : (double)ServerErrors / Requests;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Requests} requests, {ServerErrors} 5xx ({ErrorRate * 100:0.0}%), p99 {P99.TotalMilliseconds:0} ms");
}

/// <param name="Regressed">The new copy is worse beyond the margins: it must not take the traffic.</param>
/// <param name="Why">One line: both sides' figures and the rule that decided.</param>
public sealed record CanaryVerdict(CanaryFigures New, CanaryFigures Old, bool Regressed, string Why);

/// <summary>Judges a canary from the edge's access log (docker/edge/nginx.conf's <c>edge</c> format:
/// <c>edge &lt;msec&gt; &lt;status&gt; &lt;request time&gt; "&lt;upstream addresses&gt;" "&lt;request&gt;"</c>). Pure.</summary>
public static partial class CanaryJudge
{
    public static CanaryVerdict Judge(IEnumerable<string> logLines, IReadOnlySet<string> newAddresses, IReadOnlySet<string> oldAddresses, double from, double to)
    {
        var fresh = new List<(int Status, double Seconds)>();
        var old = new List<(int Status, double Seconds)>();
        foreach (var line in logLines)
        {
            if (Parse(line) is not { } entry || entry.At < from || entry.At > to)
                continue;
            var address = entry.Upstream.Split(':')[0];
            if (newAddresses.Contains(address))
                fresh.Add((entry.Status, entry.Seconds));
            else if (oldAddresses.Contains(address))
                old.Add((entry.Status, entry.Seconds));
        }

        var (n, o) = (Figures(fresh), Figures(old));
        if (n.Requests < CanaryPolicy.FewestRequests)
            return new CanaryVerdict(n, o, false, $"too little traffic to judge: new copy {n}; old {o}");
        if (n.ErrorRate > o.ErrorRate + CanaryPolicy.ErrorRateMargin)
            return new CanaryVerdict(n, o, true, string.Create(CultureInfo.InvariantCulture, $"5xx rate regressed beyond {CanaryPolicy.ErrorRateMargin * 100:0}%: new copy {n}; old {o}"));
        var limit = TimeSpan.FromTicks((long)(o.P99.Ticks * CanaryPolicy.LatencyFactor)) + CanaryPolicy.LatencySlack;
        if (o.Requests > 0 && n.P99 > limit)
            return new CanaryVerdict(n, o, true, string.Create(CultureInfo.InvariantCulture, $"p99 regressed beyond {CanaryPolicy.LatencyFactor}× + {CanaryPolicy.LatencySlack.TotalMilliseconds:0} ms: new copy {n}; old {o}"));
        return new CanaryVerdict(n, o, false, $"within the margins: new copy {n}; old {o}");
    }

    private static CanaryFigures Figures(List<(int Status, double Seconds)> side)
    {
        if (side.Count == 0)
            return new CanaryFigures(0, 0, TimeSpan.Zero);
        var sorted = side.Select(s => s.Seconds).Order().ToList();
        var p99 = sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(sorted.Count * 0.99) - 1)];
        return new CanaryFigures(side.Count, side.Count(s => s.Status >= 500), TimeSpan.FromSeconds(p99));
    }

    /// <summary>One access-log line, or null for anything else (errors, the edge's own /healthz with no upstream).
    /// After a retry nginx lists every upstream tried ("a:8000, b:8000"): the last one answered.</summary>
    private static (double At, int Status, string Upstream, double Seconds)? Parse(string line)
    {
        var match = AccessLine().Match(line);
        if (!match.Success)
            return null;
        var upstream = match.Groups[4].Value.Split(',').Last().Trim();
        return upstream is "" or "-"
            ? null
            : (double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture),
                upstream, double.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"edge (\d+(?:\.\d+)?) (\d{3}) (\d+(?:\.\d+)?) ""([^""]*)""")]
    private static partial System.Text.RegularExpressions.Regex AccessLine();
}
