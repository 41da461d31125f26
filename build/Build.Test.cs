using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Testing;

namespace Mlstack.Build;

internal sealed partial class Build
{
    [Parameter("Only run test classes whose name contains this text, e.g. Parameter")]
    private readonly string? TestFilter;

    [Parameter("Also run the explicit tests (benchmarks such as SshShippingBenchmark)")]
    private readonly bool TestExplicit;

    Target UnitTest => _ => _
        .Description("Runs the unit tier: no Docker Engine, no root, no network namespace (DOCKER_HOST points at nothing); about a minute")
        .Executes(ct => RunTestsAsync([TestTier.Unit], ct));

    Target IntegrationTest => _ => _
        .Description("Runs the integration tier against this machine's engine: fixture stacks, images, backups, the whole stack")
        .DependsOn(Doctor, Images)
        .Executes(ct => RunTestsAsync([TestTier.Integration], ct));

    Target SystemTest => _ => _
        .Description("Runs the system tier on fixture VMs (network namespaces with their own dockerd and sshd; root): SSH, Deploy, Bootstrap")
        .DependsOn(Doctor, Images)
        .Executes(ct => RunTestsAsync([TestTier.System], ct));

    Target Test => _ => _
        .Description("Runs every tier, one after another, after the images are built once; JUnit XML per tier in .nuke/temp/reports")
        .DependsOn(Doctor, Images)
        .Executes(ct => RunTestsAsync([TestTier.Unit, TestTier.Integration, TestTier.System], ct));

    private Task RunTestsAsync(IReadOnlyList<TestTier> tiers, CancellationToken ct) =>
        TestSuite.RunAsync(RootDirectory, ReportsDirectory, tiers, TestFilter, TestExplicit, Log, ct);
}
