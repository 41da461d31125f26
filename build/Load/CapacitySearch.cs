using Mlstack.Build.Core;

namespace Mlstack.Build.Load;

/// <summary>--step-duration, --step-factor, --max-steps: how LoadTest --find-capacity steps the rate up.</summary>
public sealed record CapacitySteps(TimeSpan Duration, double Factor, int MaxSteps)
{
    /// <summary>A factor of 1 or less never rises, and no steps measure nothing: both are mistakes, said up front.</summary>
    public void Validate()
    {
        if (Factor <= 1 || MaxSteps < 1 || Duration <= TimeSpan.Zero)
            throw new BuildInputException($"--step-factor {Factor} / --max-steps {MaxSteps} / --step-duration {Duration}: the factor must be above 1, at least 1 step, and a positive duration.");
    }
}

/// <summary>The knee per scenario: it is a report, not a verdict — it fails only when a scenario broke at the first step.</summary>
public static class CapacitySearch
{
    private static readonly TimeSpan StepWarmup = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(10);

    public static async Task RunAsync(HttpClient http, Uri url, IReadOnlyList<LoadScenario> scenarios, LoadProfile profile, CapacitySteps steps, ReportsFolder reports, BuildLog log, CancellationToken ct)
    {
        steps.Validate();
        log.Info($"LoadTest: finding capacity from {profile.Rate:0.#}/s, ×{steps.Factor:0.##} per step, {steps.Duration.TotalSeconds:0}s each (+2s warmup), at most {steps.MaxSteps} steps");
        async Task<IReadOnlyList<ScenarioSummary>> Step(double rate, CancellationToken token)
        {
            var step = profile with { Rate = rate, RampTo = null, Warmup = StepWarmup, Duration = steps.Duration };
            return LoadVerdict.Summarise(scenarios, await new LoadGenerator(http, url).RunAsync(scenarios, step, Drain, token), step);
        }

        var (measured, capacities) = await CapacityFinder.FindAsync(scenarios, profile.Rate, steps.Factor, steps.MaxSteps, Step, s => CapacityReport.PrintStep(s, log), ct);
        CapacityReport.Write(reports.Directory, measured, capacities);
        foreach (var capacity in capacities)
            log.Report($"LoadTest: {CapacityReport.Describe(capacity)}");
        Verdict(capacities, profile.Rate);
        log.Success($"LoadTest: capacity found; reports in {reports.Shown}/capacity.*");
    }

    /// <summary>A scenario that held no rate at all broke below where the search started: that one is a failure.</summary>
    public static void Verdict(IReadOnlyList<ScenarioCapacity> capacities, double startRate)
    {
        if (capacities.Any(c => c.HeldRate == null))
            throw new LoadTestFailedException($"below the starting rate {startRate:0.#}/s already: {string.Join("; ", capacities.Where(c => c.HeldRate == null).Select(CapacityReport.Describe))}");
    }
}
