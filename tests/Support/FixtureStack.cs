using Mlstack.Build.Doctor;
using Mlstack.Build.Gates;
using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Stack;
using Mlstack.Build.Tooling;

namespace Mlstack.Tests.Support;

/// <summary>A small compose project of its own (unique name, temp folder), brought up through the real Up code
/// path and always taken down with its volumes.</summary>
internal sealed class FixtureStack : IAsyncDisposable
{
    private readonly StringWriter _output = new();

    private FixtureStack(string directory, ComposeProject project)
    {
        Directory = directory;
        Project = project;
        Log = new BuildLog(_output, new SecretMasker(), color: false);
        Engine = new StackEngine(EngineProbe.Client(EngineProbe.Endpoint().Endpoint), project.Name);
    }

    public string Directory { get; }
    public ComposeProject Project { get; }
    public BuildLog Log { get; }
    public StackEngine Engine { get; }
    public string Output => _output.ToString();

    /// <param name="envText">The project's .env (compose interpolates it; the build reads its passwords).</param>
    public static async Task<FixtureStack> CreateAsync(string composeYaml, string envText = "")
    {
        await FixtureImage.EnsureAsync();
        var directory = System.IO.Directory.CreateTempSubdirectory("mlstack-fixture-").FullName;
        File.WriteAllText(Path.Combine(directory, "compose.yaml"), composeYaml);
        File.WriteAllText(Path.Combine(directory, ".env"), envText);
        var cli = await ComposeProbe.FindAsync(new BuildLog(TextWriter.Null, new SecretMasker(), false), ct: CancellationToken.None)
            ?? throw new InvalidOperationException("No Compose CLI: run ./build.sh Doctor.");
        var name = "mlstackfx" + Guid.NewGuid().ToString("N")[..8];
        return new FixtureStack(directory, new ComposeProject(name, directory, [Path.Combine(directory, "compose.yaml")], Path.Combine(directory, ".env"), cli));
    }

    public async Task<GateResult> UpAsync(TimeSpan? serviceTimeout = null)
    {
        var model = await ComposeConfigReader.ReadAsync(Project, Log, ct: TestContext.Current.CancellationToken);
        var options = new UpOptions(new Dictionary<string, string>(), Path.Combine(Directory, "up-record.json"), serviceTimeout);
        return await StackUp.RunAsync(model, Engine, LocalCompose.For(Project, Log, new Dictionary<string, string>()), options, Log, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await ToolRunner.RunAsync(Project.Cli.File, Project.Arguments("down", "--volumes", "--remove-orphans", "--timeout", "1"), Log, Verbosity.Verbose, Directory);
        Engine.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
