using System.Linq.Expressions;
using Mlstack.Build.Core;

namespace Mlstack.Build.Host;

/// <summary>Checks every Requires(() => Param) of the targets that will run, all at once, before any runs.</summary>
internal static class Requirements
{
    public static void Check(ExecutionPlan plan, IReadOnlyList<BuildParameter> parameters)
    {
        var missing = plan.Ordered
            .Where(t => t.Status != TargetStatus.Skipped)
            .SelectMany(t => t.Definition.RequiredParameters.Where(IsMissing).Select(p => (Target: t.Name, Options: Options(p.Body, parameters))))
            .ToList();
        if (missing.Count == 0)
            return;
        var described = missing.Select(m => $"{m.Target} needs {m.Options}");
        throw new BuildInputException($"Missing parameters: {string.Join("; ", described)}. Pass them on the command line, in the environment or in .nuke/parameters.json.");
    }

    private static bool IsMissing(Expression<Func<object?>> parameter) => parameter.Compile()() switch
    {
        null => true,
        string text => string.IsNullOrWhiteSpace(text),
        Array items => items.Length == 0,
        _ => false,
    };

    /// <summary>--host for () => DeployHost; "--host or --cluster" for () => DeployHost ?? ClusterInventoryFile
    /// (either will do).</summary>
    private static string Options(Expression body, IReadOnlyList<BuildParameter> parameters) => body switch
    {
        UnaryExpression { NodeType: ExpressionType.Convert } convert => Options(convert.Operand, parameters),
        BinaryExpression { NodeType: ExpressionType.Coalesce } either => $"{Options(either.Left, parameters)} or {Options(either.Right, parameters)}",
        MemberExpression member => "--" + CliName(member.Member.Name, parameters),
        _ => "--" + NameMatching.KebabCase(body.ToString()),
    };

    private static string CliName(string member, IReadOnlyList<BuildParameter> parameters) =>
        parameters.FirstOrDefault(p => p.Member.Name == member)?.CliName ?? NameMatching.KebabCase(member);
}
