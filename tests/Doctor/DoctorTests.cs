using System.Diagnostics;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Doctor;

/// <summary>Doctor against the real engine on this machine.</summary>
[Trait(TestTiers.Trait, TestTiers.Integration)]
public sealed class DoctorTests
{
    [Fact]
    public async Task Doctor_finds_the_engine_and_compose_and_prints_their_versions()
    {
        await Prerequisites.RequireEngineAsync();

        var result = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Doctor"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"Docker Engine \d+\.\d+\.\d+\S* \(API \d+\.\d+\) at ", result.Output);
        Assert.Matches(@"Compose v?\d+\.\d+\.\d+ \((docker compose|docker-compose, v1)\)", result.Output);
    }

    [Fact]
    public async Task Doctor_leaves_a_working_setup_untouched()
    {
        await Prerequisites.RequireEngineAsync();
        var before = DaemonIds();

        var result = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Doctor"]);

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("setting one up", result.Output);
        Assert.Equal(before, DaemonIds());
    }

    /// <summary>This machine's engines: a fixture VM's dockerd (the system tier runs beside this one) has a
    /// --data-root of its own, which Doctor never passes.</summary>
    private static int[] DaemonIds() =>
        [.. Process.GetProcessesByName("dockerd").Where(p => !CommandLine(p).Contains("--data-root", StringComparison.Ordinal)).Select(p => p.Id).Order()];

    private static string CommandLine(Process process)
    {
        try
        {
            return File.ReadAllText($"/proc/{process.Id}/cmdline");
        }
        catch (IOException)
        {
            return string.Empty; // gone since it was listed
        }
    }
}
