using YamlDotNet.RepresentationModel;

namespace Mlstack.Tests.Pipeline;

/// <summary>A step of a workflow that runs the build: its arguments after ./build.sh, its environment with every
/// ${{ … }} replaced by a stand-in value, and its condition.</summary>
internal sealed record BuildStep(string Workflow, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment, string? Condition)
{
    public override string ToString() => $"{Workflow}: ./build.sh {string.Join(' ', Arguments)}";
}

internal static class WorkflowSteps
{
    public static YamlMappingNode Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    /// <summary>Every step of every job, in order.</summary>
    public static IEnumerable<YamlMappingNode> Steps(YamlMappingNode workflow) =>
        ((YamlMappingNode)workflow["jobs"]).Children.Values.Cast<YamlMappingNode>()
            .SelectMany(job => ((YamlSequenceNode)job["steps"]).Children.Cast<YamlMappingNode>());

    public static string? Value(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    public static IReadOnlyList<BuildStep> BuildSteps(string name, string yaml) =>
        [.. Steps(Load(yaml))
            .Where(step => BuildCommand(step) != null)
            .Select(step => new BuildStep(
                name,
                BuildCommand(step)!.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..],
                step.Children.TryGetValue(new YamlScalarNode("env"), out var env)
                    ? ((YamlMappingNode)env).Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => StandIn(((YamlScalarNode)e.Value).Value!))
                    : new Dictionary<string, string>(),
                Value(step, "if")))];

    /// <summary>The step's <c>./build.sh …</c> command, without the sudo that runs it as root; null for other steps.</summary>
    public static string? BuildCommand(YamlMappingNode step)
    {
        var run = Value(step, "run");
        if (run?.StartsWith(Mlstack.Build.GitHubActions.WorkflowBuilder.AsRoot, StringComparison.Ordinal) == true)
            run = run[Mlstack.Build.GitHubActions.WorkflowBuilder.AsRoot.Length..];
        return run?.StartsWith("./build.sh", StringComparison.Ordinal) == true ? run : null;
    }

    /// <summary>What the runner would put in place of an expression: a recognisable value per context.</summary>
    public static string StandIn(string value) =>
        System.Text.RegularExpressions.Regex.Replace(System.Text.RegularExpressions.Regex.Replace(value, @"\$\{\{\s*vars\.[A-Za-z0-9_]+ == 'true'\s*\}\}", "false"), @"\$\{\{\s*(secrets|vars|inputs)\.([A-Za-z0-9_-]+)\s*\}\}", m => m.Groups[1].Value switch
        {
            "secrets" => $"secret-{m.Groups[2].Value}",
            "vars" => $"var-{m.Groups[2].Value}",
            _ => "v1.2.3",
        });
}
