using Mlstack.Build.Doctor;

namespace Mlstack.Build.Stack;

public enum StackEnvironment
{
    Dev,
    Prod,
}

/// <summary>One compose project: its files, env file and name, and how to call the Compose CLI for it (v2, or v1
/// with --compatibility so deploy.resources apply).</summary>
public sealed record ComposeProject(string Name, string Directory, IReadOnlyList<string> Files, string EnvFile, ComposeCli Cli)
{
    /// <summary>The project the stack runs under unless --project-name says otherwise.</summary>
    public const string DefaultName = "mlstack";

    /// <summary>The platform's own project in stack/: compose.yaml plus the environment's override.</summary>
    public static ComposeProject ForStack(string root, string name, StackEnvironment environment, string envFile, ComposeCli cli)
    {
        var directory = Path.Combine(root, "stack");
        var overrideFile = Path.Combine(directory, $"compose.{environment.ToString().ToLowerInvariant()}.yaml");
        return new ComposeProject(name, directory, [Path.Combine(directory, "compose.yaml"), overrideFile], envFile, cli);
    }

    public IReadOnlyList<string> Arguments(params string[] command)
    {
        var arguments = new List<string>(Cli.Prefix) { "-p", Name, "--project-directory", Directory, "--env-file", EnvFile };
        foreach (var file in Files)
            arguments.AddRange(["-f", file]);
        if (Cli.IsV1)
            arguments.Add("--compatibility");
        arguments.AddRange(command);
        return arguments;
    }
}
