using Mlstack.Build.Core;

namespace Mlstack.Build.Tooling;

/// <summary>A tool the build runs is not installed (or not on PATH). Callers that can do without it, or install it,
/// catch this type: a tool that started and then failed is a <see cref="ToolFailedException"/>.</summary>
public sealed class ToolNotFoundException : BuildFailure
{
    public ToolNotFoundException(string tool, Exception inner)
        : this(tool, $"Could not start '{tool}': {inner.Message}. Is it installed and on PATH?", inner)
    {
    }

    /// <param name="message">One line saying what to install, when the caller knows better than "is it on PATH?".</param>
    public ToolNotFoundException(string tool, string message, Exception? inner = null)
        : base(message, inner)
    {
        Tool = tool;
    }

    public string Tool { get; }
}

/// <summary>A tool on this machine ran and failed: it exited non-zero, or did not give what it should have.</summary>
public sealed class ToolFailedException(string tool, string message, int? exitCode, IReadOnlyList<string>? lastLines = null)
    : CommandFailedException(message, exitCode, lastLines)
{
    /// <summary>How much of a failed tool's output the exception keeps (its message shows fewer lines).</summary>
    public const int KeptLines = 20;

    /// <summary>The program as it was started (a name on PATH, or a path).</summary>
    public string Tool { get; } = tool;
}
