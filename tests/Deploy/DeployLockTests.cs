using System.Diagnostics;
using Mlstack.Build.Deploy;
using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Deploy;

/// <summary>One deploy at a time per VM, on a real VM: a second deployer is refused naming the holder or waits for
/// it, and a holder whose connection drops leaves nothing that needs a manual step.</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(EngineTests.Name)]
public sealed class DeployLockTests(TestVm vm) : IClassFixture<TestVm>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly BuildLog Log = new(TextWriter.Null, new SecretMasker(), false);

    private Task<SshSession> ConnectAsync()
    {
        vm.Require();
        return SshSession.ConnectAsync(vm.Target, HostKeyTrust.Pinned(vm.HostKeyFingerprint), vm.ClientKeyPath, Ct);
    }

    private static LockHolder Holder(string release) => new("alice", "laptop", release, DateTimeOffset.UtcNow);

    [Fact]
    public async Task A_second_deploy_is_refused_naming_the_holder_then_waits_for_it()
    {
        var path = $"/srv/lock-{Guid.NewGuid():N}"[..17];
        await using var first = await ConnectAsync();
        await using var second = await ConnectAsync();
        var held = await DeployLock.AcquireAsync(first, path, Holder("r1"), TimeSpan.Zero, Log, Ct);

        var refused = await Assert.ThrowsAsync<DeployLockedException>(() => DeployLock.AcquireAsync(second, path, Holder("r2"), TimeSpan.Zero, Log, Ct));
        Assert.Contains("held by alice@laptop", refused.Message);
        Assert.Contains("for release r1", refused.Message);
        Assert.Contains("--lock-wait", refused.Message);

        var clock = Stopwatch.StartNew();
        var waiting = DeployLock.AcquireAsync(second, path, Holder("r2"), TimeSpan.FromSeconds(30), Log, Ct);
        await Task.Delay(2000, Ct);
        Assert.False(waiting.IsCompleted);
        await held.DisposeAsync();
        await using var got = await waiting;
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_holder_whose_connection_drops_frees_the_lock_with_no_manual_step()
    {
        var path = $"/srv/lock-{Guid.NewGuid():N}"[..17];
        var first = await ConnectAsync();
        _ = await DeployLock.AcquireAsync(first, path, Holder("r1"), TimeSpan.Zero, Log, Ct);

        first.Dispose(); // the connection goes, without releasing anything: as a killed build's would
        await using var second = await ConnectAsync();
        var clock = Stopwatch.StartNew();
        await using var got = await DeployLock.AcquireAsync(second, path, Holder("r2"), TimeSpan.FromSeconds(20), Log, Ct);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains("\"release\":\"r2\"", File.ReadAllText(Path.Combine(vm.PrivateSrv, path[5..], "lock.json")));
    }
}
