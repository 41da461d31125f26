namespace Mlstack.Build.Smoke;

/// <summary>Before a smoke check sends work to a queue: is anything there to take it? A worker's own healthcheck reads
/// its consumer heartbeat, so its last result says whether it consumes. A tier with no running replica passes when a
/// live autoscaler will start one for the work (worker-heavy idles at 0); with neither, the check fails at once and
/// sends nothing, instead of leaving a task to wait for the next worker.</summary>
public static class QueueConsumer
{
    public static async Task RequireAsync(SmokeContext context, string consumer, string queue, string sentNothing, CancellationToken ct)
    {
        var expected = $"a live {consumer} consuming queue {queue}";
        HealthResult? beat;
        try
        {
            beat = await context.Exec.LastHealthAsync(consumer, ct).ConfigureAwait(false);
        }
        catch (NoRunningContainerException)
        {
            if (await AutoscalerLiveAsync(context, ct).ConfigureAwait(false))
                return;
            throw new CheckFailedException(expected, $"no running {consumer} and no live autoscaler to start one: nothing consumes queue {queue}, {sentNothing}");
        }

        var live = beat is { ExitCode: 0 } b && DateTimeOffset.UtcNow - b.Ended < TimeSpan.FromSeconds(25);
        // A tier the autoscaler may stop entirely can be in its warm shutdown just now (running, no longer consuming:
        // seen on the fixture VM); a live autoscaler starts a replica again for the work the check sends.
        if (!live && context.ScaleToZero.Contains(consumer) && await AutoscalerLiveAsync(context, ct).ConfigureAwait(false))
            return;
        CheckFailedException.Unless(live, expected, $"{consumer}'s consumer heartbeat is stale: it is not consuming queue {queue}, {sentNothing}");
    }

    private static async Task<bool> AutoscalerLiveAsync(SmokeContext context, CancellationToken ct)
    {
        try
        {
            return await context.Exec.LastHealthAsync("autoscaler", ct).ConfigureAwait(false) is { ExitCode: 0 };
        }
        catch (NoRunningContainerException)
        {
            return false;
        }
    }
}
