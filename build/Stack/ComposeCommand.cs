using Mlstack.Build.Core;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Stack;

/// <summary>Runs one compose command (its arguments after the CLI) for a project: locally through the CLI, or on a
/// VM over SSH. Up, its gates and the one-shot bookkeeping do not care which.</summary>
public delegate Task<ToolResult> ComposeCommand(IReadOnlyList<string> arguments, CancellationToken ct);

public static class LocalCompose
{
    /// <summary>The project's compose CLI on this machine, with <paramref name="environment"/> for interpolation.</summary>
    public static ComposeCommand For(ComposeProject project, BuildLog log, IReadOnlyDictionary<string, string> environment) =>
        (arguments, ct) => ToolRunner.RunAsync(project.Cli.File, project.Arguments([.. arguments]), log, Verbosity.Verbose, project.Directory, environment, ct);
}
