using System.Text.RegularExpressions;
using Mlstack.Build.Cluster;
using Mlstack.Build.Core;
using Mlstack.Build.Doctor;
using Mlstack.Build.Stack;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Cluster;

/// <summary>The real stack (compose.yaml + compose.prod.yaml, .env.example) as the Compose CLI resolves it (`config`:
/// no engine), with the build's secret-file variables set as a release sets them, and the request a cluster deploy
/// would render it with: content tags for every image the stack builds, a version for every secret.</summary>
internal static partial class SwarmStackConfig
{
    public const string SecretRoot = "/srv/mlstack/secrets";
    public static readonly byte[] VersionKey = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private static string? _config;

    public static IReadOnlyList<StackSecret> Secrets(string salt = "") =>
        [.. SecretVariable().Matches(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "stack", "compose.yaml")))
            .Select(m => m.Groups[1].Value.ToLowerInvariant()).Distinct().Select(n => new StackSecret(n, "content of " + n + salt))];

    /// <summary>compose config for the real stack, once per test run (0.3–1 s).</summary>
    public static async Task<string> ConfigAsync()
    {
        if (_config != null)
            return _config;
        var log = new BuildLog(TextWriter.Null, new SecretMasker(), color: false);
        var cli = await ComposeProbe.FindAsync(log, ct: TestContext.Current.CancellationToken);
        if (cli == null)
            Prerequisites.Missing("No Compose CLI (docker compose or docker-compose); run ./build.sh Doctor first.");
        var root = RepositoryRoot.Path;
        var project = ComposeProject.ForStack(root, "mlstackswarm", StackEnvironment.Prod, Path.Combine(root, "stack", ".env.example"), cli!);
        var variables = StackSecrets.Variables(SecretRoot, VersionKey, Secrets(), StackSecrets.RootGroup);
        var result = await ChildProcess.RunAsync(project.Cli.File, project.Arguments("config"), variables.ToDictionary(v => v.Key, v => (string?)v.Value), project.Directory);
        Assert.True(result.ExitCode == 0, result.Output);
        _config = result.Output[StartOfYaml(result.Output)..];
        return _config;
    }

    /// <summary>The first line that begins a top-level key (compose may print warnings before the YAML).</summary>
    private static int StartOfYaml(string output) => TopLevelKey().Match(output) is { Success: true } m ? m.Index : 0;

    public static SwarmStackRequest Request(string config, IReadOnlyList<StackSecret>? secrets = null, bool hasIpvs = false, IReadOnlySet<ClusterRole>? roles = null) => new(
        config,
        roles ?? new HashSet<ClusterRole> { ClusterRole.Manager, ClusterRole.Data, ClusterRole.App, ClusterRole.Worker },
        ImageRepositories().Matches(config).Select(m => m.Groups[1].Value).Distinct().ToDictionary(r => r, r => r + ":c0ffee" + r.Length),
        (secrets ?? Secrets()).ToDictionary(s => s.Name, s => StackSecrets.Version(VersionKey, s)),
        hasIpvs);

    [GeneratedRegex(@"MLSTACK_SECRET_([A-Z0-9_]+)")]
    private static partial Regex SecretVariable();

    [GeneratedRegex(@"image: '?(mlstack/[a-z0-9-]+):")]
    private static partial Regex ImageRepositories();

    [GeneratedRegex(@"(?m)^[a-z]+:")]
    private static partial Regex TopLevelKey();
}
