using Mlstack.Build.Deploy;
using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Tests.Deploy.Fakes;

namespace Mlstack.Tests.Deploy;

/// <summary>The lock's holder line: what a deploy writes when it takes the lock, and what a second deployer reads when
/// it is refused. DeployLockTests proves the flock itself on a VM.</summary>
public sealed class DeployLockHolderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly BuildLog Log = new(TextWriter.Null, new SecretMasker(), false);
    private static readonly DateTimeOffset Since = new(2026, 12, 4, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_deploy_that_takes_the_lock_names_itself_in_lock_json_and_frees_it_when_done()
    {
        var vm = new FakeReleaseVm();

        await using (await DeployLock.AcquireAsync(vm, vm.DeployPath, new LockHolder("bob", "ci-runner", "r2", Since), TimeSpan.Zero, Log, Ct))
        {
            Assert.True(vm.LockHeld);
            Assert.StartsWith("{\"user\":\"bob\",\"machine\":\"ci-runner\",\"release\":\"r2\",\"since\":\"2026-12-04T09:30:00+00:00\",\"nonce\":\"", vm.LockJson, StringComparison.Ordinal);
        }

        Assert.False(vm.LockHeld);
    }

    [Fact]
    public async Task A_second_deploy_is_refused_with_one_line_naming_the_holder_and_what_to_do()
    {
        var vm = new FakeReleaseVm { HeldByOther = true, LockJson = DeployLock.HolderJson(new LockHolder("alice", "laptop", "r1", Since), "n0nce") };

        var refused = await Assert.ThrowsAsync<DeployLockedException>(() => DeployLock.AcquireAsync(vm, vm.DeployPath, new LockHolder("bob", "ci", "r2", Since), TimeSpan.Zero, Log, Ct));

        Assert.Equal("vm.example.com is being deployed: the lock is held by alice@laptop since 2026-12-04 09:30:00 UTC for release r1; wait for it with --lock-wait 5m, or try again later.", refused.Message);
    }

    [Fact]
    public void A_holder_line_that_is_not_json_still_says_the_lock_is_held() =>
        Assert.Equal("vm.example.com is being deployed: the lock is held (its holder did not say who it is); wait for it with --lock-wait 5m, or try again later.",
            DeployLock.LockedMessage("vm.example.com", "garbage"));
}
