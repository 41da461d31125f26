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
        Missing($"No Docker Engine at {endpoint} ({problem}); run ./build.sh Doctor first.");
    }

    /// <summary>A prerequisite is missing: a failure in CI, a skip with the reason locally.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Missing(string reason)
    {
        if (InCi)
            Assert.Fail(reason);
        Assert.Skip(reason);
    }

    private static readonly string[] VmTools = ["ip", "nsenter", "unshare", "sshd", "dockerd", "ssh-keygen", "docker-registry"];

    /// <summary>Why this machine cannot host a test VM (root, a network namespace, sshd, dockerd), or null.</summary>
    public static string? VmHostProblem()
    {
        if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal))
            return "A test VM needs root (network namespaces, mounts); run as root or in CI.";
        var missing = VmTools.Where(tool => !OnPath(tool)).ToList();
        return missing.Count == 0 ? null
            : $"A test VM needs {string.Join(", ", missing)} (apt-get install iproute2 openssh-server docker.io docker-registry).";
    }

    public static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/sbin")
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}
