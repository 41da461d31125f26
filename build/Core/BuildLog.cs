namespace Mlstack.Build.Core;

public enum Verbosity
{
    Quiet,
    Minimal,
    Normal,
    Verbose,
}

/// <summary>Everything the build prints goes through here, so that secrets are masked in every line, including the
/// output of tools it runs. Safe to call from parallel work.</summary>
public sealed class BuildLog(TextWriter writer, SecretMasker masker, bool color)
{
    private readonly Lock _gate = new();
    private string _prefix = string.Empty;

    public Verbosity Verbosity { get; set; } = Verbosity.Normal;
    public SecretMasker Masker { get; } = masker;
    public bool Color { get; } = color;

    /// <summary>Markdown for the CI run's page; a no-op outside GitHub Actions.</summary>
    public StepSummary StepSummary { get; internal set; } = StepSummary.None;

    /// <summary>Groups, annotations and masks for the GitHub Actions runner; null elsewhere.</summary>
    internal WorkflowCommands? WorkflowCommands { get; set; }

    public void Debug(string text) => WriteAt(Verbosity.Verbose, text, "\e[90m");
    public void Info(string text) => WriteAt(Verbosity.Normal, text, null);
    public void Success(string text) => WriteAt(Verbosity.Normal, text, "\e[32m");
    public void Warn(string text) => WriteAt(Verbosity.Minimal, text, "\e[33m");
    public void Error(string text) => WriteAt(Verbosity.Quiet, text, "\e[31m");
    public void Heading(string text) => WriteAt(Verbosity.Normal, text, "\e[36;1m");

    /// <summary>Text that is part of a report (summary table, help, plan): printed from minimal up.</summary>
    public void Report(string text) => WriteAt(Verbosity.Minimal, text, null);

    public void WriteAt(Verbosity level, string text, string? ansi)
    {
        if (Verbosity < level)
            return;
        var line = _prefix + Masker.Mask(text);
        lock (_gate)
            writer.WriteLine(Color && ansi != null ? $"{ansi}{line}\e[0m" : line);
        writer.Flush();
    }

    /// <summary>The same log with every line prefixed, for work that runs beside other work (a test tier beside
    /// another) so that interleaved lines still say whose they are.</summary>
    public BuildLog WithPrefix(string prefix) =>
        new(writer, Masker, Color) { Verbosity = Verbosity, StepSummary = StepSummary, _prefix = _prefix + prefix };

    /// <summary>A line for the CI runner, printed at every verbosity and not masked: ::add-mask:: must carry the value.</summary>
    internal void WriteCommand(string line)
    {
        lock (_gate)
            writer.WriteLine(line);
        writer.Flush();
    }
}
