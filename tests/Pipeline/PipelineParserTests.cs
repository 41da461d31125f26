using Mlstack.Tests.Support;

namespace Mlstack.Tests.Pipeline;

/// <summary>GitHub's own parser reads every workflow the build generates without an error, and does catch a broken one.</summary>
public sealed class PipelineParserTests
{
    [Fact]
    public async Task Every_committed_workflow_passes_GitHubs_parser()
    {
        var files = GeneratedWorkflows.CommittedFiles();
        var result = await WorkflowParser.ValidateAsync([.. files]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(files.Count, result.Output.Split('\n').Count(l => l.EndsWith(": ok", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_workflow_with_every_option_passes_GitHubs_parser()
    {
        using var root = new TempRoot();
        var files = GeneratedWorkflows.WriteTo(root.Path, GeneratedWorkflows.Generate(new OptionsPipelineBuild()));
        var result = await WorkflowParser.ValidateAsync([.. files]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(1, result.Output.Split('\n').Count(l => l.EndsWith(": ok", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_broken_workflow_fails_with_the_line_and_column_of_the_mistake()
    {
        using var root = new TempRoot();
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, ".github", "workflows", "ci.yml"));
        var index = Array.FindIndex(lines, l => l.TrimStart().StartsWith("uses:", StringComparison.Ordinal));
        var column = lines[index].IndexOf("uses:", StringComparison.Ordinal) + 1;
        lines[index] = lines[index].Replace("uses:", "usez:", StringComparison.Ordinal);
        var broken = Path.Combine(root.Path, "broken.yml");
        File.WriteAllLines(broken, lines);

        var result = await WorkflowParser.ValidateAsync(broken);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"(Line: {index + 1}, Col: {column}): Unexpected value 'usez'", result.Output);
    }
}
