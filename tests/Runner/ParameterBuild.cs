using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Tooling;

namespace Mlstack.Tests.Runner;

internal enum StackEnvironment
{
    Dev,
    Prod,
}

/// <summary>A build with one parameter of every supported type.</summary>
internal sealed class ParameterBuild : BuildHost
{
    [Parameter("Deploy host")] public string? Host;
    [Parameter("Requests per second")] public int Rate = 10;
    [Parameter("How long to run")] public TimeSpan Duration = TimeSpan.FromSeconds(30);
    [Parameter("Which environment")] public StackEnvironment Environment = StackEnvironment.Dev;
    [Parameter("Confirm destructive steps")] public bool Yes;
    [Parameter("Services to act on")] public string[] Services = [];
    [Parameter("CA bundle for builds")] public string? ExtraCaCerts;
    [Parameter("Database password"), Secret] public string? DbPassword;

    public List<string> Ran { get; } = [];

    public Target Show => _ => _.Description("Prints what it was given").Executes(() =>
    {
        Ran.Add(nameof(Show));
        Log.Info($"password is {DbPassword}");
    });

    public Target Echo => _ => _.Executes(async ct =>
    {
        await ToolRunner.RunAsync("sh", ["-c", "echo \"tool says $DB\""], Log, environment: new Dictionary<string, string> { ["DB"] = DbPassword ?? "" }, ct: ct);
    });

    public Target Hidden => _ => _.Unlisted().DependsOn(Show).Executes(() => { });
}
