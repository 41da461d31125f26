using Mlstack.Build.Host;
using Mlstack.Build.Testing;

namespace Mlstack.Build;

internal sealed partial class Build
{
    [Parameter("Only run the tests this dotnet test filter selects, e.g. FullyQualifiedName~Runner")]
    private readonly string? TestFilter;

    Target Test => _ => _
        .Description("Runs the xunit suite (runner, modules, integration against the real engine); JUnit XML in .nuke/temp/reports")
        .DependsOn(Doctor)
        .Executes(ct => TestSuite.RunAsync(RootDirectory, ReportsDirectory, TestFilter, Log, ct));
}
