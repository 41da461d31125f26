using Mlstack.Build.Core;
using Mlstack.Build.Host;

namespace Mlstack.Tests.Runner;

/// <summary>A build that exercises every ordering relation; each target records that it ran.</summary>
internal sealed class OrderingBuild : BuildHost, IAnnouncer
{
    public List<string> Ran { get; } = [];

    public Target Restore => _ => _.Executes(() => Ran.Add(nameof(Restore)));
    public Target Compile => _ => _.DependsOn(Restore).Executes(() => Ran.Add(nameof(Compile)));
    public Target Lint => _ => _.DependentFor(Compile).Executes(() => Ran.Add(nameof(Lint)));
    public Target Test => _ => _.DependsOn(Compile).Executes(() => Ran.Add(nameof(Test)));
    public Target Pack => _ => _.DependsOn(Compile).After(Test).Executes(() => Ran.Add(nameof(Pack)));
    public Target Clean => _ => _.Before(Restore).Executes(() => Ran.Add(nameof(Clean)));
    public Target Publish => _ => _.DependsOn(Pack).Triggers(Notify).Executes(() => Ran.Add(nameof(Publish)));
    public Target Notify => _ => _.Executes(() => Ran.Add(nameof(Notify)));
    public Target Release => _ => _.DependsOn<IAnnouncer>(x => x.Announce).Executes(() => Ran.Add(nameof(Release)));
    public Target All => _ => _.DependsOn(Test, Pack);
}

/// <summary>A component: an interface whose default-implemented target the build gets by implementing it.</summary>
internal interface IAnnouncer
{
    List<string> Ran { get; }

    Target Announce => _ => _.TriggeredBy<OrderingBuild>(x => x.Pack).Executes(() => Ran.Add(nameof(Announce)));
}
