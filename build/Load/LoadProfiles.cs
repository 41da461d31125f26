using Mlstack.Build.Core;

namespace Mlstack.Build.Load;

/// <summary>LoadTest's parameters checked and turned into a profile before anything is sent: a mistake is the
/// user's (one line, exit 1), not a run that measures nothing.</summary>
public static class LoadProfiles
{
    public static LoadProfile From(double rate, double? rampTo, TimeSpan warmup, TimeSpan duration, int maxInFlight, TimeSpan maxLateness)
    {
        if (rate <= 0 || rampTo <= 0)
            throw new BuildInputException($"--rate {rate}: the arrival rate must be above 0 per second.");
        if (duration <= TimeSpan.Zero || warmup < TimeSpan.Zero)
            throw new BuildInputException($"--duration {duration} / --warmup {warmup}: the duration must be above 0 and the warmup not negative.");
        if (maxInFlight < 1)
            throw new BuildInputException($"--max-in-flight {maxInFlight}: at least 1 request must be allowed in flight.");
        return new LoadProfile(rate, rampTo, warmup, duration, maxInFlight, maxLateness);
    }
}
