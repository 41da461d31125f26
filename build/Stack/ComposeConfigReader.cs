using System.Globalization;
using Mlstack.Build.Core;
using Mlstack.Build.Tooling;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Build.Stack;

/// <summary>Reads a project's configuration: first each file's YAML on its own (so a syntax error names the file and
/// line), then the merged result from the Compose CLI itself (so its own validation applies), as typed records.</summary>
public static partial class ComposeConfigReader
{
    /// <param name="cache">Where compose's answer is kept for the same files, env file, variables and CLI.</param>
    public static async Task<ComposeModel> ReadAsync(ComposeProject project, BuildLog log, IReadOnlyDictionary<string, string>? environment = null, ToolOutputCache? cache = null, CancellationToken ct = default)
    {
        foreach (var file in project.Files)
            CheckSyntax(file);
        var arguments = project.Arguments("config");
        Task<ToolResult> Run() => ToolRunner.RunAsync(project.Cli.File, arguments, log, Verbosity.Verbose, project.Directory, environment, ct);
        var result = cache == null ? await Run().ConfigureAwait(false) : await cache.GetOrRunAsync(CacheKey(project, arguments, environment), Run, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
            throw new BuildInputException($"{Describe(project)}: {Problem(result.Output)}");
        var model = Parse(result.Text);
        CheckDependencies(project, model);
        return model;
    }

    /// <summary>Everything compose's config output depends on: the CLI, the arguments, every file it reads, and the
    /// variables it may interpolate (those the files name, plus compose's and Docker's own settings).</summary>
    private static IEnumerable<string> CacheKey(ComposeProject project, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment)
    {
        var texts = project.Files.Select(File.ReadAllText).ToList();
        var named = texts.SelectMany(t => VariableReference().Matches(t).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
        var variables = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => named.Contains(k) || k.StartsWith("COMPOSE_", StringComparison.Ordinal) || k.StartsWith("DOCKER_", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}");
        return [
            "compose-config-v1", project.Cli.File, project.Cli.Version, ToolOutputCache.FileIdentity(ToolRunner.Resolve(project.Cli.File)),
            .. arguments, .. project.Files.Concat([project.EnvFile]).Select(ToolOutputCache.FileIdentity), .. variables,
            .. (environment ?? new Dictionary<string, string>()).OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}"),
        ];
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\$\{?([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial System.Text.RegularExpressions.Regex VariableReference();

    public static void CheckSyntax(string file)
    {
        if (!File.Exists(file))
            throw new BuildInputException($"{file}: no such compose file.");
        var text = File.ReadAllText(file);
        try
        {
            new YamlStream().Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var problem = (e.InnerException?.Message ?? e.Message).Split('\n')[0];
            throw new BuildInputException($"{file} line {LineOf(e, text)}: {problem.TrimEnd('.')}.");
        }
    }

    /// <summary>The line YamlDotNet names; for a tab in indentation it names none (line 1, column 1), so the first
    /// line indented with a tab is the one.</summary>
    private static long LineOf(YamlException e, string text)
    {
        if (e.Start.Index > 0 || !e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase))
            return e.Start.Line;
        var lines = text.Split('\n');
        var tabbed = Array.FindIndex(lines, l => l.TrimStart(' ').StartsWith('\t'));
        return tabbed >= 0 ? tabbed + 1 : e.Start.Line;
    }

    public static ComposeModel Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var services = Child(root, "services") as YamlMappingNode;
        var secretFiles = SecretFiles(Child(root, "secrets") as YamlMappingNode);
        var specs = new List<ServiceSpec>();
        foreach (var service in services?.Children ?? Enumerable.Empty<KeyValuePair<YamlNode, YamlNode>>())
            specs.Add(Service(((YamlScalarNode)service.Key).Value!, (YamlMappingNode)service.Value, secretFiles));
        return new ComposeModel(specs);
    }

    /// <summary>Each top-level secret's file: a service's own block names only the secret, and its file's path is
    /// what changes when the secret does (StackSecrets), so it belongs to what Up compares.</summary>
    private static Dictionary<string, string> SecretFiles(YamlMappingNode? secrets) =>
        (secrets?.Children ?? Enumerable.Empty<KeyValuePair<YamlNode, YamlNode>>())
        .Where(s => s.Value is YamlMappingNode)
        .ToDictionary(s => ((YamlScalarNode)s.Key).Value!, s => Text((YamlMappingNode)s.Value, "file") ?? string.Empty);

    private static string SecretLines(YamlMappingNode node, IReadOnlyDictionary<string, string> secretFiles)
    {
        var names = (Child(node, "secrets") as YamlSequenceNode)?.Children
            .Select(s => s is YamlMappingNode m ? Text(m, "source") : ((YamlScalarNode)s).Value).OfType<string>() ?? [];
        return string.Concat(names.Order(StringComparer.Ordinal).Select(n => $"secret-file {n}={secretFiles.GetValueOrDefault(n)}\n"));
    }

    private static ServiceSpec Service(string name, YamlMappingNode node, IReadOnlyDictionary<string, string> secretFiles)
    {
        BuildSpec? build = null;
        if (Child(node, "build") is YamlMappingNode buildNode)
            build = new BuildSpec(Text(buildNode, "context")!, Text(buildNode, "dockerfile"), Text(buildNode, "target"), Map(Child(buildNode, "args")));
        else if (Text(node, "build") is { } context)
            build = new BuildSpec(context, null, null, new Dictionary<string, string>());

        HealthcheckSpec? health = null;
        if (Child(node, "healthcheck") is YamlMappingNode h && !IsDisabled(h))
        {
            health = new HealthcheckSpec(
                Duration(Text(h, "interval"), TimeSpan.FromSeconds(30)),
                Duration(Text(h, "timeout"), TimeSpan.FromSeconds(30)),
                int.Parse(Text(h, "retries") ?? "3", CultureInfo.InvariantCulture),
                Duration(Text(h, "start_period"), TimeSpan.Zero));
        }

        var dependsOn = new Dictionary<string, string>();
        switch (Child(node, "depends_on"))
        {
            case YamlMappingNode map:
                foreach (var (dependency, condition) in map.Children)
                    dependsOn[((YamlScalarNode)dependency).Value!] = (condition as YamlMappingNode) is { } c ? Text(c, "condition") ?? "service_started" : "service_started";
                break;
            case YamlSequenceNode list:
                foreach (var dependency in list.Children.OfType<YamlScalarNode>())
                    dependsOn[dependency.Value!] = "service_started";
                break;
        }

        var labels = Map(Child(node, "labels"));
        var stopGrace = Text(node, "stop_grace_period") is { } grace ? Duration(grace, TimeSpan.FromSeconds(10)) : (TimeSpan?)null;
        return new ServiceSpec(name, Text(node, "image"), build, health, dependsOn, Text(node, "restart"), Serialize(node) + SecretLines(node, secretFiles),
            labels.GetValueOrDefault(ServiceSpec.TierLabel), UpstreamSpec.Parse(name, labels.GetValueOrDefault(UpstreamSpec.Label)),
            labels.GetValueOrDefault(ServiceSpec.EdgeLabel) == "true", stopGrace, NetworkOf(Text(node, "network_mode")));
    }

    private static string? NetworkOf(string? networkMode) =>
        networkMode is { } mode && mode.StartsWith("service:", StringComparison.Ordinal) ? mode["service:".Length..] : null;

    private static string Serialize(YamlNode node)
    {
        var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    /// <summary>v2 prints <c>disable: true</c>; v1 rewrites it as <c>test: [NONE]</c>.</summary>
    private static bool IsDisabled(YamlMappingNode healthcheck) =>
        Text(healthcheck, "disable") == "true"
        || Child(healthcheck, "test") is null
        || (Child(healthcheck, "test") is YamlSequenceNode { Children.Count: > 0 } test && (test.Children[0] as YamlScalarNode)?.Value == "NONE");

    /// <summary>Compose v1 checks depends_on late (at up); check it here so config problems surface before anything starts.</summary>
    private static void CheckDependencies(ComposeProject project, ComposeModel model)
    {
        foreach (var service in model.Services)
        {
            foreach (var dependency in service.DependsOn.Keys.Where(d => model.Find(d) == null))
                throw new BuildInputException($"{Describe(project)}: service '{service.Name}' depends on '{dependency}', which is not a service of this project.");
        }
    }

    private static string Describe(ComposeProject project) =>
        string.Join(" + ", project.Files.Select(f => Path.GetRelativePath(Directory.GetCurrentDirectory(), f)));

    /// <summary>The one line of the CLI's complaint worth showing.</summary>
    private static string Problem(IReadOnlyList<string> output)
    {
        var lines = output.Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var error = lines.FirstOrDefault(l => l.StartsWith("ERROR:", StringComparison.Ordinal)) ?? lines.LastOrDefault() ?? "compose config failed";
        return string.Join(' ', lines.SkipWhile(l => l != error).Take(3)).Replace("ERROR: ", string.Empty, StringComparison.Ordinal);
    }

    public static TimeSpan Duration(string? text, TimeSpan fallback) =>
        text == null ? fallback : Durations.Parse(text) ?? fallback;

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static string? Text(YamlMappingNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

    private static Dictionary<string, string> Map(YamlNode? node) =>
        (node as YamlMappingNode)?.Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => (p.Value as YamlScalarNode)?.Value ?? string.Empty)
        ?? [];
}
