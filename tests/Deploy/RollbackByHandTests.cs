using Mlstack.Build.Backup;
using Mlstack.Build.Deploy;
using Mlstack.Build.Gates;
using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Tests.Deploy.Fakes;
using static Mlstack.Tests.Deploy.Fakes.DeployScene;

namespace Mlstack.Tests.Deploy;

/// <summary>Rollback by hand: which release it returns to, what it refuses before anything changes, and what the VM
/// and its audit log say afterwards.</summary>
public sealed class RollbackByHandTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly ReleaseBackupLookup NoBackups = (_, _) => Task.FromResult<BackupEntry?>(null);
    private readonly DeployScene _scene = new();
    private readonly ReleaseInfo _older, _failed, _current;

    public RollbackByHandTests()
    {
        _older = _scene.Vm.Add(Release(1, ReleaseStatus.Healthy));
        _failed = _scene.Vm.Add(Release(2, ReleaseStatus.Failed));
        _current = _scene.Vm.Add(Release(3, ReleaseStatus.Healthy), ReleaseLink.Current, ReleaseLink.LastGood);
    }

    public void Dispose() => _scene.Dispose();

    private ReleaseRollback Rollback => new(_scene.Vm, _scene.Runtime, _scene.Options, _scene.Log);

    [Fact]
    public async Task Without_to_it_returns_to_the_last_healthy_release_before_current_and_makes_it_last_good()
    {
        var choice = await Rollback.ChooseAsync(new RollbackRequest(null, false), NoBackups, Ct);
        await Rollback.RunAsync(choice, null, DateTimeOffset.UtcNow, Ct);

        Assert.Equal((_older.Id, _current.Id), (choice.Target.Id, choice.Current?.Id));
        Assert.Equal(_older.Id, _scene.Vm.Links[ReleaseLink.Current]);
        Assert.Equal(_older.Id, _scene.Vm.Links[ReleaseLink.LastGood]);
        var line = Assert.Single(_scene.Vm.Audit);
        Assert.Equal((AuditOutcome.RolledBackByHand, $"from {_current.Id} to {_older.Id}; data volumes untouched"), (line.Outcome, line.Reason));
        Assert.Contains($"Rollback: vm.example.com runs release {_older.Id} (was {_current.Id}); data volumes untouched.", _scene.Output);
    }

    [Fact]
    public async Task An_unknown_release_or_data_without_a_backup_is_refused_before_anything_changes()
    {
        var unknown = await Assert.ThrowsAsync<BuildInputException>(() => Rollback.ChooseAsync(new RollbackRequest("nope", false), NoBackups, Ct));
        var noBackup = await Assert.ThrowsAsync<BuildInputException>(() => Rollback.ChooseAsync(new RollbackRequest(_older.Id, true), NoBackups, Ct));

        Assert.Equal("--to nope: no such release on vm.example.com; ./build.sh Releases --host vm.example.com lists them.", unknown.Message);
        Assert.StartsWith($"--restore-data: no backup of release {_older.Id}'s data", noBackup.Message, StringComparison.Ordinal);
        Assert.Throws<BuildInputException>(() => new RollbackRequest(null, true).Check(confirmed: false, hasBackupPassword: true));
        Assert.Empty(_scene.Runtime.Calls);
        Assert.Equal(_current.Id, _scene.Vm.Links[ReleaseLink.Current]);
    }

    [Fact]
    public async Task With_its_data_the_target_starts_once_after_the_data_is_restored()
    {
        var backup = BackupOf(_older);
        var steps = new List<string>();
        ReleaseDataRestore restore = async (entry, dataOf, app, token) =>
        {
            steps.Add($"restore {entry.ShortId} over {dataOf?.Id}"); // proved, safety backup, app stopped, data put back
            await app.Release(token);
            steps.Add("smoke");
        };
        var choice = await Rollback.ChooseAsync(new RollbackRequest(_older.Id, true), (_, _) => Task.FromResult<BackupEntry?>(backup), Ct);

        await Rollback.RunAsync(choice, restore, DateTimeOffset.UtcNow, Ct);

        Assert.Equal([$"restore {backup.ShortId} over {_current.Id}", "smoke"], steps);
        Assert.Equal([$"start {_older.Id}"], _scene.Runtime.Calls); // once, on the restored data
        Assert.Equal(_older.Id, _scene.Vm.Links[ReleaseLink.Current]);
        var line = Assert.Single(_scene.Vm.Audit);
        Assert.Equal(AuditOutcome.RolledBackByHand, line.Outcome);
        Assert.Contains($"data restored from backup {backup.ShortId}", line.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_its_data_a_restore_that_fails_switches_nothing_and_the_release_before_runs_again()
    {
        var backup = BackupOf(_older);
        ReleaseDataRestore restore = async (entry, _, app, token) =>
        {
            await app.Release(token);
            await app.Previous(token); // the smoke failed: the safety backup back, the release before started on it
            throw new BackupException($"Rollback: restore of {entry.ShortId} failed: smoke checks failed; the safety backup was put back.");
        };
        var choice = await Rollback.ChooseAsync(new RollbackRequest(_older.Id, true), (_, _) => Task.FromResult<BackupEntry?>(backup), Ct);

        await Assert.ThrowsAsync<BackupException>(() => Rollback.RunAsync(choice, restore, DateTimeOffset.UtcNow, Ct));

        Assert.Equal([$"start {_older.Id}", $"start {_current.Id}"], _scene.Runtime.Calls);
        Assert.Equal(_current.Id, _scene.Vm.Links[ReleaseLink.Current]);
        Assert.Equal(_current.Id, _scene.Vm.Links[ReleaseLink.LastGood]);
        var line = Assert.Single(_scene.Vm.Audit);
        Assert.Equal(AuditOutcome.Failed, line.Outcome);
        Assert.StartsWith($"rollback by hand to {_older.Id} with backup {backup.ShortId}'s data failed, {_current.Id} runs again on its data: ", line.Reason, StringComparison.Ordinal);
    }

    private static BackupEntry BackupOf(ReleaseInfo release) =>
        new("a1b2c3d4e5f6", DateTimeOffset.UtcNow, [$"release={release.Id}"], 1000, 1000, VerifiedAt: null);

    [Fact]
    public async Task A_target_that_fails_its_gates_is_recorded_and_the_links_stay()
    {
        _scene.Runtime.Failing = call => call == $"start {_older.Id}" ? new GateFailedException("postgres", "never became healthy", [], []) : null;
        var choice = await Rollback.ChooseAsync(new RollbackRequest(_older.Id, false), NoBackups, Ct);

        await Assert.ThrowsAsync<GateFailedException>(() => Rollback.RunAsync(choice, null, DateTimeOffset.UtcNow, Ct));

        Assert.Equal(_current.Id, _scene.Vm.Links[ReleaseLink.Current]);
        var line = Assert.Single(_scene.Vm.Audit);
        Assert.Equal(AuditOutcome.Failed, line.Outcome);
        Assert.StartsWith($"rollback by hand to {_older.Id} failed: Service postgres never became healthy", line.Reason, StringComparison.Ordinal);
    }
}
