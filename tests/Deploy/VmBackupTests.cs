using System.Diagnostics;
using System.Net;
using Mlstack.Build.Remote;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Deploy;

/// <summary>Backup, VerifyBackup and Restore with --host, on the whole stack deployed to a fixture VM of its own:
/// the data backed up into a repository on the VM (0700), proven by a restore into a scratch project there that
/// runs the whole app and is smoked through an SSH tunnel, leaving nothing behind; put back after a row is lost; a
/// deploy that backs the outgoing release's data up before it switches; Rollback --restore-data. Meanwhile, from the
/// first deploy to the restore, the alerts: worker-light stopped, WorkerTierDown at the operator's webhook and in
/// Status (<see cref="WorkerTierDownAlert"/>). Runs beside <see cref="DeployTests"/>, each with its own VM.</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(VmBackups.Name)]
public sealed class VmBackupTests(TestVm vm, ITestOutputHelper output) : IClassFixture<TestVm>
{
    private readonly VmStackDriver _driver = new(vm, selfSigned: true);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>One scenario, in order: each step starts from the data the step before left.</summary>
    [Fact]
    public async Task The_deployed_stack_backs_up_verifies_in_a_scratch_project_restores_and_rolls_back_with_its_data()
    {
        vm.Require();
        // The operator's webhook: a receiver on this machine's end of the VM's link, its URL with a token in it.
        await using var webhook = new WebhookReceiver(IPAddress.Parse(vm.HostAddress));
        var hook = $"/hook?token=hook-{_driver.Secret}";
        var good = _driver.EnvFile("good", $"ALERT_WEBHOOK_URL=http://{vm.HostAddress}:{webhook.Port}{hook}");
        var first = await _driver.BuildSh("Deploy", "--env-file", good);
        output.WriteLine(first.Output);
        Assert.True(first.ExitCode == 0, first.Output);
        // HTTPS with a certificate the build made, said loudly, and checked by SmokeTest against itself.
        Assert.Contains($"WARNING: --self-signed: the edge serves HTTPS with a self-signed certificate for {vm.Address}", first.Output);
        Assert.Matches(@"edge\s+HTTPS certificate: chain, name, expiry\s+✓ pass", first.Output);
        var firstId = VmStackDriver.LiveRelease(first.Output);
        // worker-light stopped now: most of the alert's 150-182 s pass while Backup, Backups and VerifyBackup run (about
        // 93 s; they need no worker of the live stack). Restore stops and starts Prometheus, the autoscaler and
        // Alertmanager, which would begin the window again: the alert must have come before it.
        var stopping = Stopwatch.StartNew();
        await using var tierDown = await WorkerTierDownAlert.StartAsync(vm, _driver, webhook, Ct);
        output.WriteLine($"the webhook reached from the VM, beat and worker-light stopped in {stopping.Elapsed.TotalSeconds:F1} s");
        using var http = _driver.Http();
        var session = await _driver.ConnectAsync(Ct);
        await using var closeSession = session;
        var marker = Guid.NewGuid().ToString("N");
        await VmStackDriver.PsqlAsync(session, $"CREATE TABLE IF NOT EXISTS deploy_marker (v text); INSERT INTO deploy_marker VALUES ('{marker}')", Ct);

        // The deployed stack's data, backed up on the VM into a repository there, proven by a restore into a scratch
        // project there, and put back after a row is lost.
        string[] backupArgs = ["--env-file", good, "--backup-password", _driver.BackupPassword];
        var backup = await _driver.BuildSh(["Backup", .. backupArgs]);
        output.WriteLine(backup.Output);
        Assert.True(backup.ExitCode == 0, backup.Output);
        var backupId = System.Text.RegularExpressions.Regex.Match(backup.Output, @"Backup: backup (\w{8}) of mlstackvm").Groups[1].Value;
        Assert.NotEmpty(backupId);
        var repository = new DirectoryInfo(Path.Combine(vm.PrivateSrv, "mlstack", "backups", "mlstackvm"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, repository.UnixFileMode);
        var backups = await _driver.BuildSh(["Backups", .. backupArgs]);
        output.WriteLine(backups.Output);
        Assert.Matches($@"{backupId}\s.*\sprod\s", backups.Output);
        var verify = await _driver.BuildSh(["VerifyBackup", .. backupArgs]);
        output.WriteLine(verify.Output);
        Assert.True(verify.ExitCode == 0, verify.Output);
        Assert.Contains("verified", verify.Output);
        // The whole stack ran on the restored data there, and was smoked through an SSH tunnel to its unpublished frontend.
        Assert.Contains("the app starts on it, passes its health gates and smoke checks", verify.Output);
        Assert.Matches(@"SmokeTest: 2\d checks passed in [\d.]+s against mlstackvmverify", verify.Output);
        // No container of another compose project (the scratch stack's), no scratch volume and no scratch compose file is left on the VM.
        var leftovers = await session.RunAsync("docker ps -a --filter label=com.docker.compose.project --format '{{.Label \"com.docker.compose.project\"}}' | grep -vx mlstackvm; docker volume ls -q | grep verify; ls /srv/mlstack | grep verify || true", TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(string.Empty, leftovers.Output.Trim());

        // The alert: at the webhook, with the URL whole, and firing in Status; worker-light and beat run again.
        var waited = Stopwatch.StartNew();
        var alert = await tierDown.Completion;
        output.WriteLine($"WorkerTierDown {(alert.Arrived ? "arrived" : "did not arrive")} {alert.After.TotalSeconds:F0} s after worker-light stopped (the autoscaler started it again for a waiting task {alert.Restarts} times); the scenario waited {waited.Elapsed.TotalSeconds:F1} s for it, Status and the restart");
        output.WriteLine(alert.Status);
        Assert.True(alert.Arrived, $"no {WorkerTierDownAlert.Expected} within {WorkerTierDownAlert.Window}; the webhook got: {string.Join(", ", webhook.Firing())}\nStatus:\n{alert.Status}\nautoscaler:\n{alert.AutoscalerLog}");
        Assert.All(webhook.Requests.Where(r => r.Body.Length > 0), r => Assert.Equal(hook, r.Target));
        Assert.True(alert.StatusExitCode == 0, alert.Status);
        Assert.Matches(@"firing\s+critical\s+WorkerTierDown\s+worker-light\s", alert.Status);
        Assert.DoesNotContain(_driver.Secret, alert.Status, StringComparison.Ordinal);
        await VmStackDriver.PsqlAsync(session, "DELETE FROM deploy_marker", Ct);
        var restore = await _driver.BuildSh(["Restore", "--yes", .. backupArgs]);
        output.WriteLine(restore.Output);
        Assert.True(restore.ExitCode == 0, restore.Output);
        // VerifyBackup proved that backup: Restore checks it, and starts no second scratch stack.
        Assert.Contains($"backup {backupId} was proved in a scratch stack at", restore.Output);
        Assert.DoesNotContain("starting scratch project", restore.Output);
        // The release's migrate on the loaded data, before the writers: its schema and database grants.
        Assert.Contains("migrate ran on the restored data", restore.Output);
        Assert.Contains(marker, await VmStackDriver.PsqlAsync(session, "SELECT v FROM deploy_marker", Ct));
        Assert.Equal("ok", await VmStackDriver.HealthAsync(http, Ct));

        // The next deploy backs up the outgoing release's data before it switches, tagged with that release; Rollback
        // refuses --restore-data without --yes, and with it brings back the row deleted after the deploy.
        var backedUp = await _driver.BuildSh("Deploy", "--env-file", _driver.EnvFile("quieter", $"LOG_LEVEL=warning\nALERT_WEBHOOK_URL=http://{vm.HostAddress}:{webhook.Port}{hook}"), "--backup-password", _driver.BackupPassword);
        output.WriteLine(backedUp.Output);
        Assert.True(backedUp.ExitCode == 0, backedUp.Output);
        var beforeSwitch = System.Text.RegularExpressions.Regex.Match(backedUp.Output, @"Deploy: backup (\w{8}) holds (\S+)'s data from before the switch");
        Assert.Equal(firstId, beforeSwitch.Groups[2].Value);
        var backupOfFirst = beforeSwitch.Groups[1].Value;
        var newestId = VmStackDriver.LiveRelease(backedUp.Output);
        Assert.Matches($@"{backupOfFirst}\s.*{firstId}\s+prod\s.*before-deploy-of-{newestId}", (await _driver.BuildSh(["Backups", .. backupArgs])).Output);
        await VmStackDriver.PsqlAsync(session, "DELETE FROM deploy_marker", Ct);
        var unconfirmed = await _driver.BuildSh(["Rollback", "--restore-data", .. backupArgs]);
        Assert.Equal(1, unconfirmed.ExitCode);
        Assert.Contains("needs --yes", unconfirmed.Output);
        var withData = await _driver.BuildSh(["Rollback", "--restore-data", "--yes", .. backupArgs]);
        output.WriteLine(withData.Output);
        Assert.True(withData.ExitCode == 0, withData.Output);
        Assert.Contains($"runs release {firstId} (was {newestId}); data restored from backup {backupOfFirst}", withData.Output);
        // The backup proved and the data put back before anything switched; then the release started once, on that data.
        var proved = withData.Output.IndexOf($"backup {backupOfFirst} verified in", StringComparison.Ordinal);
        Assert.InRange(proved, 0, withData.Output.IndexOf("Up: 20 services ready", StringComparison.Ordinal));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(withData.Output, @"Up: \d+ services ready"));
        Assert.Matches($@"{firstId}\s.*healthy\s+current, last good", (await _driver.BuildSh("Releases")).Output);
        Assert.Contains(marker, await VmStackDriver.PsqlAsync(session, "SELECT v FROM deploy_marker", Ct));
        Assert.Equal("ok", await VmStackDriver.HealthAsync(http, Ct));
        Assert.DoesNotContain(_driver.BackupPassword, backup.Output + verify.Output + restore.Output + backedUp.Output + withData.Output);
    }
}
