using System.Diagnostics;
using Mlstack.Build.Gates;
using Mlstack.Build.Host;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Stack;

/// <summary>compose up, with the health gate watching from before the first container is created.</summary>
public static class StackUp
{
    public static async Task<GateResult> RunAsync(ComposeProject project, ComposeModel model, StackEngine engine, IReadOnlyDictionary<string, string> environment, TimeSpan? serviceTimeout, BuildLog log, bool live, CancellationToken ct)
    {
        var start = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var goals = model.Services.Select(s => ServiceGoal.For(s, serviceTimeout)).ToList();
        using var composeCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var arguments = project.Arguments("up", "-d", "--no-build", "--remove-orphans");
        var compose = ToolRunner.RunAsync(project.Cli.File, arguments, log, Verbosity.Verbose, project.Directory, environment, composeCancel.Token);
        try
        {
            using var gate = new HealthGate(engine, goals, log, live);
            var result = await gate.WaitAsync(start, compose, ct).ConfigureAwait(false);
            var (slowest, after) = result.ReadyAfter.MaxBy(r => r.Value);
            var total = clock.Elapsed;
            log.Success($"Up: {goals.Count} services ready in {total.TotalSeconds:0.0}s; slowest {slowest} after {after.TotalSeconds:0.0}s; Up's own overhead {(total - after).TotalSeconds:0.00}s");
            return result;
        }
        catch
        {
            await composeCancel.CancelAsync().ConfigureAwait(false);
            try
            {
                await compose.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // we stopped it: the gate's failure is the story
            }

            throw;
        }
    }
}
