using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Backup;

/// <summary>Backups that cannot finish: what they leave behind is the stack as it was, and nothing listed as a backup.</summary>
[Trait(TestTiers.Trait, TestTiers.Integration)]
[Collection(FixtureStacks.Name)]
public sealed class BackupFailureTests(BackupFixture fixture) : IClassFixture<BackupFixture>, IDisposable
{
    private readonly string _repository = Directory.CreateTempSubdirectory("mlstack-backup-repo-").FullName;

    [Fact]
    public async Task A_backup_with_redis_stopped_fails_naming_it_and_leaves_every_service_as_it_was()
    {
        var redis = (await fixture.Stack.Engine.SnapshotAsync(TestContext.Current.CancellationToken)).Single(c => c.Service == "redis");
        await ChildProcess.RunAsync("docker", ["stop", redis.Id]);
        try
        {
            var before = await fixture.Stack.Engine.SnapshotAsync(TestContext.Current.CancellationToken);
            var backup = await fixture.BuildAsync(_repository, "Backup");
            Assert.NotEqual(0, backup.ExitCode);
            Assert.Contains($"redis of project {fixture.Stack.Project.Name} is not running", backup.Output, StringComparison.Ordinal);
            var after = await fixture.Stack.Engine.SnapshotAsync(TestContext.Current.CancellationToken);
            Assert.Equal(before.Select(c => (c.Id, c.Status, c.StartedAt)).Order(), after.Select(c => (c.Id, c.Status, c.StartedAt)).Order());
        }
        finally
        {
            await ChildProcess.RunAsync("docker", ["start", redis.Id]);
            await fixture.WaitHealthyAsync();
        }
    }

    [Fact]
    public async Task SIGTERM_during_a_backup_leaves_nothing_paused_no_helper_and_no_backup_and_ps_never_shows_the_password()
    {
        var log = Path.Combine(_repository, "..", Path.GetFileName(_repository) + ".log");
        using (var build = DaemonProcess.Start(log, new Dictionary<string, string> { ["BACKUP_PASSWORD"] = BackupFixture.Password }, [BackupFixture.BuildScript, .. fixture.Arguments(_repository, "Backup")]))
        {
            try
            {
                for (var waited = 0; !(File.Exists(log) && File.ReadAllText(log).Contains("objectstore's files copied in", StringComparison.Ordinal)); waited++)
                {
                    Assert.True(waited < 600 && !build.HasExited, build.LogTail());
                    await Task.Delay(200, TestContext.Current.CancellationToken);
                }

                var processes = await ChildProcess.RunAsync("ps", ["-eo", "args"]);
                Assert.DoesNotContain(BackupFixture.Password, processes.Output, StringComparison.Ordinal);
            }
            finally
            {
                // The dump step runs now (Redis waits 5 s before its snapshot); on a failed wait, the build must not outlive the test.
                await build.StopAsync(TimeSpan.FromSeconds(60));
            }
        }

        var output = File.ReadAllText(log);
        File.Delete(log);
        Assert.Contains("cancelled", output, StringComparison.Ordinal);
        Assert.All(await fixture.Stack.Engine.SnapshotAsync(TestContext.Current.CancellationToken), c => Assert.Equal("running", c.Status));
        // This fixture's helpers only: OffsiteBackupTests (system tier) may run its own beside this one.
        var helpers = await ChildProcess.RunAsync("docker", ["ps", "-aq", "--filter", "label=mlstack.backup-helper", "--filter", $"network={fixture.Network}"]);
        Assert.Equal(string.Empty, helpers.Output.Trim());
        Assert.Empty(await BackupFixture.LeftoversAsync($"^{fixture.Stack.Project.Name}_backupstage"));
        var list = await fixture.BuildAsync(_repository, "Backups");
        Assert.Contains("No backups in", list.Output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_repository, recursive: true);
}
