namespace Mlstack.Build.Core;

/// <summary>Markdown shown on the CI run's page: GitHub Actions' $GITHUB_STEP_SUMMARY. Targets and modules add to it
/// through <c>Log.StepSummary.Append(markdown)</c>; outside GitHub Actions it does nothing, so callers never check.</summary>
public sealed class StepSummary
{
    private readonly string? _file;
    private readonly SecretMasker? _masker;
    private readonly Lock _gate = new();

    /// <summary>Not on GitHub Actions: appending does nothing.</summary>
    public static StepSummary None { get; } = new(null, null);

    internal StepSummary(string? file, SecretMasker? masker)
    {
        _file = file;
        _masker = masker;
    }

    public bool IsEnabled => _file != null;

    /// <summary>Adds a block of Markdown (a table, a heading and a list); secrets are masked as in the log.</summary>
    public void Append(string markdown)
    {
        if (_file == null)
            return;
        var text = _masker?.Mask(markdown) ?? markdown;
        lock (_gate)
            File.AppendAllText(_file, text.TrimEnd('\n') + "\n\n");
    }
}
