using Mlstack.Build.Doctor;

namespace Mlstack.Tests.Support;

/// <summary>What integration tests need from the machine. Locally a missing prerequisite skips with the reason;
/// in CI (CI=true) it fails, so a broken machine can never pass by skipping.</summary>
internal static class Prerequisites
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static async Task RequireEngineAsync()
    {
        var (endpoint, _) = EngineProbe.Endpoint();
        var (engine, problem) = await EngineProbe.ProbeAsync(endpoint, CancellationToken.None);
        if (engine != null)
            return;
        var reason = $"No Docker Engine at {endpoint} ({problem}); run ./build.sh Doctor first.";
        if (InCi)
            Assert.Fail(reason);
        Assert.Skip(reason);
    }
}
