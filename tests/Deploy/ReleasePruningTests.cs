using Mlstack.Build.Deploy;
using Mlstack.Tests.Deploy.Fakes;
using static Mlstack.Tests.Deploy.Fakes.DeployScene;

namespace Mlstack.Tests.Deploy;

/// <summary>Which releases a deploy prunes: the newest healthy ones stay, the failures among them, and always current
/// and last good, whatever their age or status; images go only when no kept release uses them.</summary>
public sealed class ReleasePruningTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Only_healthy_releases_count_and_current_and_last_good_always_stay()
    {
        ReleaseInfo[] releases =
        [
            Release(1, ReleaseStatus.Healthy, null, "old-good"), Release(2, ReleaseStatus.Healthy, null, "two"), Release(3, ReleaseStatus.Failed, null, "three"),
            Release(4, ReleaseStatus.Healthy, null, "four", "shared"), Release(5, ReleaseStatus.Failed, null, "five"), Release(6, ReleaseStatus.Healthy, null, "six", "shared"),
            Release(7, ReleaseStatus.Pending, null, "seven"),
        ];
        var listing = releases.Select(r => new ReleaseListing(r, IsCurrent: r == releases[5], IsLastGood: r == releases[0])).ToList();

        var removed = ReleasePruning.Removable(listing, keepHealthy: 2);

        Assert.Equal([releases[1].Id, releases[2].Id], removed.Select(r => r.Id));
        Assert.Equal(["two", "three"], ReleasePruning.ImagesOnlyIn(removed, releases.Except(removed)));
    }

    [Fact]
    public void Keeping_none_still_keeps_current_and_last_good()
    {
        var current = Release(2, ReleaseStatus.Failed);
        var lastGood = Release(1, ReleaseStatus.Healthy);

        Assert.Empty(ReleasePruning.Removable([new(lastGood, false, true), new(current, true, false)], keepHealthy: 0));
    }

    [Fact]
    public async Task A_deploy_prunes_after_it_went_live_and_drops_the_images_only_pruned_releases_used()
    {
        using var scene = new DeployScene();
        scene.Options = scene.Options with { KeepReleases = 1 };
        var old = scene.Vm.Add(Release(1, ReleaseStatus.Healthy, null, "img-old", "shared"));
        var previous = scene.Vm.Add(Release(2, ReleaseStatus.Healthy, null, "shared"), ReleaseLink.Current, ReleaseLink.LastGood);
        var ours = Release(3, ReleaseStatus.Pending, null, "shared");

        await scene.DeployAsync(ours, ct: Ct);

        Assert.Equal([ours.Id], scene.Vm.Releases.Keys);
        Assert.Equal([$"start {ours.Id}", $"smoke {ours.Id}", "remove img-old"], scene.Runtime.Calls);
        Assert.Contains($"Deploy: pruned 2 old release(s): {old.Id}, {previous.Id}", scene.Output);
    }
}
