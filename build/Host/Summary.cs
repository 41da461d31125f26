using System.Globalization;
using Mlstack.Build.Core;

namespace Mlstack.Build.Host;

/// <summary>NUKE's end-of-run table: Target · Status · Duration, a Total row, and the verdict line.</summary>
internal static class Summary
{
    public static void Print(IReadOnlyList<ExecutableTarget> targets, bool succeeded, BuildLog log)
    {
        var nameWidth = Math.Max(20, targets.Select(t => t.Name.Length).DefaultIfEmpty(0).Max() + 2);
        var width = nameWidth + 12 + 10;
        log.Report(string.Empty);
        log.Report(new string('═', width));
        log.Report($"{"Target".PadRight(nameWidth)}{"Status",-12}{"Duration",10}");
        log.Report(new string('─', width));
        foreach (var target in targets)
        {
            var duration = target.Status is TargetStatus.Succeeded or TargetStatus.Failed or TargetStatus.Aborted
                ? Format(target.Duration)
                : string.Empty;
            var note = target.Message != null && target.Status != TargetStatus.Succeeded ? $"   // {target.Message}" : string.Empty;
            log.Report($"{target.Name.PadRight(nameWidth)}{target.Status,-12}{duration,10}{note}");
        }

        log.Report(new string('─', width));
        var total = new TimeSpan(targets.Sum(t => t.Duration.Ticks));
        log.Report($"{"Total".PadRight(nameWidth)}{string.Empty,-12}{Format(total),10}");
        log.Report(new string('═', width));
        log.Report(string.Empty);
        var verdict = $"Build {(succeeded ? "succeeded" : "failed")} on {DateTime.Now.ToString("G", CultureInfo.InvariantCulture)}.";
        log.WriteAt(Verbosity.Quiet, verdict, succeeded ? "\e[32;1m" : "\e[31;1m");
    }

    /// <summary>The same table as Markdown, for the CI run's page.</summary>
    public static string Markdown(IReadOnlyList<ExecutableTarget> targets, bool succeeded)
    {
        var md = new System.Text.StringBuilder();
        md.AppendLine(succeeded ? "### ✅ Build succeeded" : "### ❌ Build failed").AppendLine();
        md.AppendLine("| Target | Status | Duration |").AppendLine("|---|---|---|");
        foreach (var target in targets)
        {
            var duration = target.Status is TargetStatus.Succeeded or TargetStatus.Failed or TargetStatus.Aborted ? Format(target.Duration) : string.Empty;
            var note = target.Message != null && target.Status != TargetStatus.Succeeded ? $" ({target.Message.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal)})" : string.Empty;
            md.AppendLine(CultureInfo.InvariantCulture, $"| {target.Name} | {target.Status}{note} | {duration} |");
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"| **Total** | | {Format(new TimeSpan(targets.Sum(t => t.Duration.Ticks)))} |");
        return md.ToString();
    }

    public static string Format(TimeSpan duration) =>
        duration.TotalHours >= 1
            ? duration.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
            : duration.TotalSeconds < 1 && duration > TimeSpan.Zero
                ? "< 1sec"
                : duration.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
