namespace Mlstack.Build.Core;

/// <summary>GitHub Actions' workflow commands, which the runner reads from the build's output: collapsible groups,
/// error annotations and secret masks. Used only when GITHUB_ACTIONS=true, as NUKE's GitHubActions host does.</summary>
internal sealed class WorkflowCommands(BuildLog log)
{
    public static bool IsGitHubActions(IReadOnlyDictionary<string, string> environment) =>
        environment.TryGetValue("GITHUB_ACTIONS", out var value) && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Makes the log speak to the runner: groups per target, annotations for failures, every secret the
    /// masker learns registered with the runner too, and a step summary in $GITHUB_STEP_SUMMARY.</summary>
    public static void Attach(BuildLog log, IReadOnlyDictionary<string, string> environment)
    {
        if (!IsGitHubActions(environment))
            return;
        var commands = new WorkflowCommands(log);
        log.WorkflowCommands = commands;
        log.Masker.Added = commands.AddMask;
        if (environment.TryGetValue("GITHUB_STEP_SUMMARY", out var file) && !string.IsNullOrWhiteSpace(file))
            log.StepSummary = new StepSummary(file, log.Masker);
    }

    public void Group(string title) => log.WriteCommand($"::group::{Data(log.Masker.Mask(title))}");

    public void EndGroup() => log.WriteCommand("::endgroup::");

    public void Error(string title, string message) =>
        log.WriteCommand($"::error title={Property(log.Masker.Mask(title))}::{Data(log.Masker.Mask(message))}");

    /// <summary>The runner hides a masked value in everything printed after this line, so the line itself must carry
    /// the raw value. The runner masks line by line: a multi-line secret (an SSH key) is registered a line at a time.</summary>
    public void AddMask(string secret)
    {
        foreach (var line in secret.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length >= 3))
            log.WriteCommand($"::add-mask::{Data(line)}");
    }

    // The runner's escaping (actions/toolkit, core/src/command.ts): % and line breaks in data, also : and , in properties.
    private static string Data(string text) =>
        text.Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    private static string Property(string text) =>
        Data(text).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);
}
