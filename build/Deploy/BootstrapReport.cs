using Mlstack.Build.Core;

namespace Mlstack.Build.Deploy;

/// <summary>Bootstrap's table: each step, what it found, what it did; then whether anything changed.</summary>
public static class BootstrapReport
{
    public static void Print(IReadOnlyList<BootstrapStep> steps, string host, BuildLog log)
    {
        log.Report($"{"step",-16}{"found",-44}done");
        foreach (var step in steps)
            log.Report($"{step.What,-16}{Shorten(step.Found, 42),-44}{step.Done}");
        var changed = steps.Count(s => s.Changed);
        log.Success(changed == 0
            ? $"Bootstrap: {host} was ready; nothing changed."
            : $"Bootstrap: {host} is ready for Deploy; {changed} step(s) changed something.");
    }

    private static string Shorten(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
