using Mlstack.Build.Doctor;
using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Images;

namespace Mlstack.Tests.Support;

/// <summary>Tests that start containers on this machine's engine run one at a time among themselves (the whole
/// stack, fixture stacks with tight limits on the gates), beside <see cref="FixtureStacks"/>: the integration tier waits
/// mostly on health gates and smoke checks (~30 % of 2 cores busy, 2026-12-06), so the two side by side take about as
/// long as the longer one. Tests that measure time are in <see cref="EngineAlone"/>.</summary>
[CollectionDefinition(Name)]
public sealed class EngineTests
{
    public const string Name = "Docker Engine";
}

/// <summary>Classes on small fixture stacks of their own (their own projects; limits of tens of seconds at most): the
/// backup classes (repositories, scratch stacks), the alert rules, the edge's TLS and the heartbeat check. Beside
/// <see cref="EngineTests"/>, which holds the whole stack's <c>FullStackTests</c>: the two threads take about the same time.</summary>
[CollectionDefinition(Name)]
public sealed class FixtureStacks
{
    public const string Name = "Fixture stacks";
}

/// <summary>Tests on this machine's engine that measure time (the benchmarks; a probe's latency during an edge
/// hand-over) run alone, after the rest of their tier: on two cores, a stack or an image build beside them would make
/// the timings meaningless.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EngineAlone
{
    public const string Name = "Docker Engine, alone";
}

/// <summary>The two deploy classes of the system tier, one after the other, beside the tier's other long classes: a
/// swarm of three VMs with a small stack (<c>ClusterDeployTests</c>, no timing asserted) after or before the whole stack
/// on one VM (<c>DeployTests</c>, whose probe allows no request slower than 2 s), never beside it. Together they take
/// about as long as <c>VmBackupTests</c> alone, so the cluster class costs the tier no time of its own.</summary>
[CollectionDefinition(Name)]
public sealed class VmDeploys
{
    public const string Name = "VM deploys";
}

/// <summary>The system tier's two backup classes, one after the other (the whole stack's backups on one VM, then the
/// off-site repositories on the data services alone): about as long as <see cref="VmDeploys"/>, beside which they run.
/// Left to the runner, the off-site class went after the deploy classes, and the tier waited on that one thread for
/// three minutes while the other ran nothing long (2026-12-06: 16.4 min).</summary>
[CollectionDefinition(Name)]
public sealed class VmBackups
{
    public const string Name = "VM backups";
}

/// <summary>The fixture stacks' image: the base image every Dockerfile uses (made once with debootstrap on a
/// fresh engine).</summary>
internal static class FixtureImage
{
    public const string Name = "debian:bookworm-slim";
    private static readonly SemaphoreSlim Gate = new(1);
    private static bool _ready;

    public static async Task EnsureAsync()
    {
        await Prerequisites.RequireEngineAsync();
        await Gate.WaitAsync();
        try
        {
            if (_ready)
                return;
            var log = new BuildLog(TextWriter.Null, new SecretMasker(), color: false);
            using var engine = new ImageEngine(EngineProbe.Client(EngineProbe.Endpoint().Endpoint));
            await BaseImageProvider.EnsureAsync(engine, Name, Path.Combine(RepositoryRoot.Path, ".nuke", "temp"), log, CancellationToken.None);
            _ready = true;
        }
        finally
        {
            Gate.Release();
        }
    }
}

/// <summary>Unit tests that measure time run alone, after the rest of their tier, for the same reason.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingTests
{
    public const string Name = "Timing";
}
