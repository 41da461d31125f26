using Mlstack.Build.Host;
using Mlstack.Build.Testing;

namespace Mlstack.Build;

internal sealed partial class Build
{
    [Parameter("Only run test classes whose name contains this text, e.g. Parameter")]
    private readonly string? TestFilter;

    [Parameter("Also run the explicit tests (benchmarks such as SshShippingBenchmark)")]
    private readonly bool TestExplicit;

    Target Test => _ => _
        .Description("Runs the xunit suite (runner, modules, integration against the real engine); JUnit XML in .nuke/temp/reports")
        .DependsOn(Doctor)
        .Executes(ct => TestSuite.RunAsync(RootDirectory, ReportsDirectory, TestFilter, TestExplicit, Log, ct));
}
