using Mlstack.Build.Deploy;
using Mlstack.Build.Remote;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Deploy;

/// <summary>The VM side of releases, against a real VM: uploads, links, listing, the audit log and pruning.</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(EngineTests.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // the VM is Linux: its files have Unix modes
public sealed class ReleaseStoreTests(TestVm vm) : IClassFixture<TestVm>
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(SshSession Session, ReleaseStore Store, string Path)> StoreAsync()
    {
        vm.Require();
        var session = await SshSession.ConnectAsync(vm.Target, HostKeyTrust.Pinned(vm.HostKeyFingerprint), vm.ClientKeyPath, Ct);
        var path = $"/srv/store-{Guid.NewGuid():N}"[..18];
        return (session, new ReleaseStore(session, path), path);
    }

    private static ReleaseInfo Release(int n, ReleaseStatus status, params string[] imageIds) =>
        new($"20261123-0000{n:00}-abc{n}", $"sha{n}", imageIds.ToDictionary(i => $"mlstack/x:{i}", i => i), "ci", "builder", DateTimeOffset.UnixEpoch.AddMinutes(n), status);

    [Fact]
    public async Task A_release_lands_whole_with_its_modes_and_reads_back_with_its_links()
    {
        var (session, store, path) = await StoreAsync();
        await using var _ = session;
        var release = Release(1, ReleaseStatus.Pending, "sha256:a");

        await store.UploadAsync(release, [new ReleaseFile("compose.yaml", "services: {}\n"u8.ToArray(), Private | UnixFileMode.OtherRead), new ReleaseFile(".env", "A=1\n"u8.ToArray(), Private)], Ct);
        await store.SetStatusAsync(release.Id, ReleaseStatus.Healthy, Ct);
        await store.PointAsync(ReleaseLink.Current, release.Id, Ct);

        var folder = Path.Combine(vm.PrivateSrv, path[5..], "releases", release.Id);
        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(folder, ".env")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        var listed = Assert.Single(await store.ListAsync(Ct));
        Assert.Equal(release with { Status = ReleaseStatus.Healthy }, listed.Release with { Images = release.Images });
        Assert.Equal(release.Images, listed.Release.Images);
        Assert.True(listed.IsCurrent);
        Assert.False(listed.IsLastGood);
        Assert.Equal(release.Id, await store.ResolveAsync(ReleaseLink.Current, Ct));
        Assert.Null(await store.ResolveAsync(ReleaseLink.LastGood, Ct));
    }

    [Fact]
    public async Task An_upload_cut_short_leaves_no_release_behind()
    {
        var (session, store, path) = await StoreAsync();
        await using var __ = session;
        using var cancel = new CancellationTokenSource();
        var big = new ReleaseFile("big", new byte[64 << 20], Private);
        var upload = store.UploadAsync(Release(2, ReleaseStatus.Pending), [big, big with { RelativePath = "big2" }], cancel.Token);
        // Cut once bytes are arriving on the VM (its upload's temp file exists), not after a fixed delay: on a loaded
        // machine a delay can outlast the whole upload.
        var releases = Path.Combine(vm.PrivateSrv, path.TrimStart('/')["srv/".Length..], "releases");
        for (var waited = 0; !(Directory.Exists(releases) && Directory.EnumerateFiles(releases, ".upload.*").Any()) && !upload.IsCompleted; waited++)
        {
            Assert.True(waited < 3000, "the upload's temp file never appeared on the VM");
            await Task.Delay(10, Ct);
        }

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => upload);

        Assert.Empty(await store.ListAsync(Ct));
    }

    [Fact]
    public async Task The_audit_log_keeps_entries_in_order_owner_only()
    {
        var (session, store, path) = await StoreAsync();
        await using var _ = session;
        AuditEntry Entry(AuditOutcome outcome) => new("ci", "builder", "sha", "r1", new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(5), outcome, "because");

        await store.AppendAuditAsync(Entry(AuditOutcome.Deployed), Ct);
        await store.AppendAuditAsync(Entry(AuditOutcome.RolledBack), Ct);

        Assert.Equal([AuditOutcome.Deployed, AuditOutcome.RolledBack], (await store.ReadAuditAsync(Ct)).Select(e => e.Outcome));
        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(vm.PrivateSrv, path[5..], "audit.log")));
    }

    [Fact]
    public async Task Pruning_keeps_the_newest_healthy_releases_the_failures_among_them_and_never_current_or_last_good_or_their_images()
    {
        var (session, store, _) = await StoreAsync();
        await using var _ = session;
        ReleaseInfo[] releases =
        [
            Release(1, ReleaseStatus.Healthy, "old-good"), Release(2, ReleaseStatus.Healthy, "two"), Release(3, ReleaseStatus.Failed, "three"), Release(4, ReleaseStatus.Healthy, "four", "shared"),
            Release(5, ReleaseStatus.Failed, "five"), Release(6, ReleaseStatus.Healthy, "six", "shared"), Release(7, ReleaseStatus.Pending, "seven"),
        ];
        foreach (var release in releases)
            await store.UploadAsync(release, [], Ct);
        await store.PointAsync(ReleaseLink.LastGood, releases[0].Id, Ct);
        await store.PointAsync(ReleaseLink.Current, releases[5].Id, Ct);

        var removed = await store.PruneAsync(keepHealthy: 2, Ct);

        // Kept: last good (1), the two newest healthy (4, 6), and the failures since the oldest of those (5, 7).
        var left = (await store.ListAsync(Ct)).Select(l => l.Release.Id).ToList();
        Assert.Equal([releases[0].Id, releases[3].Id, releases[4].Id, releases[5].Id, releases[6].Id], left);
        Assert.Equal([releases[1].Id, releases[2].Id], removed.Select(r => r.Id));
        Assert.Equal(["two", "three"], ReleasePruning.ImagesOnlyIn(removed, releases.Where(r => left.Contains(r.Id))));
    }
}
