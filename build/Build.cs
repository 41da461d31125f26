using Mlstack.Build.Core;
using Mlstack.Build.Host;

namespace Mlstack.Build;

/// <summary>The mlstack build. Targets live in partial files by concern: Build.Doctor.cs, Build.Test.cs, …</summary>
internal sealed partial class Build : BuildHost
{
    public static int Main() => Execute<Build>(x => x.Test);

    private string ReportsDirectory => Path.Combine(TemporaryDirectory, "reports");
}
