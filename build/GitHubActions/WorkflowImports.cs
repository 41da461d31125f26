using System.Text.RegularExpressions;
using Mlstack.Build.Core;
using Mlstack.Build.Host;

namespace Mlstack.Build.GitHubActions;

/// <summary>Turns the attribute's imports ("Parameter" or "Parameter=SOURCE") into the run step's environment.
/// A PascalCase name must be a declared parameter, so a renamed parameter fails generation; an UPPER_SNAKE name is
/// an environment variable for the build's tools (the stack's settings) and passes as it is.</summary>
internal sealed partial class WorkflowImports(string workflow, BuildDeclarations build)
{
    public KeyValuePair<string, string> Secret(string entry)
    {
        var (name, source) = Split(entry, UpperSnake);
        if (Parameter(name, nameof(GitHubActionsAttribute.ImportSecrets)) is { IsSecret: false })
            throw Problem($"ImportSecrets hands a secret to parameter {name}, which is not [Secret]: the build would print it. Mark it [Secret].");
        return new(name, $"${{{{ secrets.{CheckSource(source, "secret")} }}}}");
    }

    /// <summary>A switch (a bool parameter) is on when the variable is 'true', and off when it is unset or anything
    /// else: GitHub gives an unset variable as empty, which a switch cannot be.</summary>
    public KeyValuePair<string, string> Variable(string entry)
    {
        var (name, source) = Split(entry, UpperSnake);
        var isSwitch = Parameter(name, nameof(GitHubActionsAttribute.ImportVariables))?.ValueType == typeof(bool);
        var variable = $"vars.{CheckSource(source, "variable")}";
        return new(name, isSwitch ? $"${{{{ {variable} == 'true' }}}}" : $"${{{{ {variable} }}}}");
    }

    /// <summary>A dispatch input, described by its parameter's own description.</summary>
    public (DispatchInput Input, KeyValuePair<string, string> Env) Input(string entry, bool required)
    {
        var (name, source) = Split(entry, n => UpperSnake(n).ToLowerInvariant());
        var parameter = Parameter(name, required ? nameof(GitHubActionsAttribute.OnWorkflowDispatchRequiredInputs) : nameof(GitHubActionsAttribute.OnWorkflowDispatchOptionalInputs));
        var description = string.IsNullOrWhiteSpace(parameter?.Description) ? name : parameter.Description;
        return (new DispatchInput(CheckSource(source, "input"), description, required), new(name, $"${{{{ inputs.{source} }}}}"));
    }

    public BuildInputException Problem(string message) => new($"Workflow {workflow} (.github/workflows/{workflow}.yml): {message}");

    private BuildParameter? Parameter(string name, string property)
    {
        if (EnvironmentName().IsMatch(name))
            return null;
        return build.Parameters.FirstOrDefault(p => p.Name == name)
            ?? throw Problem($"{property} names '{name}', which is not a parameter of the build.{NameMatching.DidYouMean(name, build.Parameters.Select(p => p.Name))}");
    }

    private string CheckSource(string source, string kind) =>
        SourceName().IsMatch(source) && (kind == "input" || !source.Contains('-', StringComparison.Ordinal)) && !source.StartsWith("GITHUB_", StringComparison.OrdinalIgnoreCase)
            ? source
            : throw Problem($"'{source}' is not a valid {kind} name (letters, digits and _, and - for inputs; not starting with a digit or GITHUB_).");

    private static (string Name, string Source) Split(string entry, Func<string, string> defaultSource)
    {
        var parts = entry.Split('=', 2, StringSplitOptions.TrimEntries);
        return (parts[0], parts.Length == 2 ? parts[1] : defaultSource(parts[0]));
    }

    /// <summary>ExtraCaCerts → EXTRA_CA_CERTS; an UPPER_SNAKE name stays as it is.</summary>
    private static string UpperSnake(string name) =>
        EnvironmentName().IsMatch(name) ? name : NameMatching.KebabCase(name).Replace('-', '_').ToUpperInvariant();

    [GeneratedRegex("^[A-Z][A-Z0-9_]*$")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]*$")]
    private static partial Regex SourceName();
}
