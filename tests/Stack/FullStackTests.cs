using Mlstack.Build.Doctor;
using Mlstack.Build.Gates;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Stack;

/// <summary>The whole platform, the way a user runs it: ./build.sh Up, every service healthy, ./build.sh Down.
/// It runs as its own compose project on other ports, so a developer's own stack and its volumes are never touched.</summary>
[Collection(EngineTests.Name)]
public sealed class FullStackTests
{
    private const string Project = "mlstacktest";

    private static readonly Dictionary<string, string?> Ports = new()
    {
        ["FRONTEND_PORT"] = "18080",
        ["POSTGRES_PORT"] = "15432",
        ["REDIS_PORT"] = "16379",
        ["S3_PORT"] = "19000",
        ["PROMETHEUS_PORT"] = "19090",
    };

    private static Task<ProcessResult> BuildSh(params string[] args) =>
        ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), [.. args, "--project-name", Project], Ports, timeout: TimeSpan.FromMinutes(25));

    [Fact]
    public async Task Up_brings_every_service_to_healthy_and_Down_removes_it_keeping_volumes_unless_confirmed()
    {
        await Prerequisites.RequireEngineAsync();
        try
        {
            var up = await BuildSh("Up");
            Assert.True(up.ExitCode == 0, up.Output);
            Assert.Matches(@"Up: 13 services ready in", up.Output);

            using var engine = new StackEngine(EngineProbe.Client(EngineProbe.Endpoint().Endpoint), Project);
            var containers = await engine.SnapshotAsync(TestContext.Current.CancellationToken);
            Assert.Equal(13, containers.Count);
            Assert.All(containers.Where(c => c.Service is not ("migrate" or "objectstore-init")), c => Assert.Equal("healthy", c.Health));
            Assert.All(containers.Where(c => c.Service is "migrate" or "objectstore-init"), c => Assert.Equal(0, c.ExitCode));

            var status = await BuildSh("Status");
            Assert.Matches(@"postgres\s+running\s+healthy", status.Output);
            Assert.Contains("127.0.0.1:18080->8080", status.Output);

            var refused = await BuildSh("Down", "--remove-volumes");
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("add --yes to confirm", refused.Output);
            Assert.Equal(13, (await engine.SnapshotAsync(TestContext.Current.CancellationToken)).Count);

            var down = await BuildSh("Down");
            Assert.Equal(0, down.ExitCode);
            Assert.Empty(await engine.SnapshotAsync(TestContext.Current.CancellationToken));
            Assert.Contains($"{Project}_pgdata", (await ChildProcess.RunAsync("docker", ["volume", "ls", "-q"])).Output);
        }
        finally
        {
            await BuildSh("Down", "--remove-volumes", "--yes");
        }

        Assert.DoesNotContain($"{Project}_pgdata", (await ChildProcess.RunAsync("docker", ["volume", "ls", "-q"])).Output);
    }
}
