using Mlstack.Build.Gates;
using Mlstack.Build.Stack;

namespace Mlstack.Tests.Stack;

/// <summary>How much of compose up an Up needs, decided from the last Up's record and a snapshot.</summary>
public sealed class UpPlanTests
{
    private static readonly DateTimeOffset Then = DateTimeOffset.UtcNow.AddMinutes(-5);
    private static readonly ServiceSpec Web = new("web", "img", null, new HealthcheckSpec(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 3, TimeSpan.Zero), new Dictionary<string, string>(), "always", "web: config");
    private static readonly ServiceSpec Init = new("init", "img", null, null, new Dictionary<string, string>(), "no", "init: config");
    private static readonly ServiceSpec[] Services = [Web, Init];
    private static readonly Dictionary<string, string> Prints = new() { ["web"] = "w1", ["init"] = "i1" };
    private static readonly UpRecord Record = new(Prints, new Dictionary<string, string> { ["web"] = "cw", ["init"] = "ci" });

    private static ContainerSnapshot Running(string id, string service, string? health = "healthy") =>
        new(id, service, Then, "running", health, 0, Then, null, [], "img");

    private static ContainerSnapshot Exited(string id, string service, long code) =>
        new(id, service, Then, "exited", null, code, Then, Then.AddSeconds(1), [], "img");

    [Fact]
    public void The_recorded_containers_in_good_shape_with_the_same_fingerprints_need_nothing()
    {
        var decision = UpPlan.Decide(Services, Prints, Record, [Running("cw", "web"), Exited("ci", "init", 0)]);

        Assert.True(decision.NothingChanged);
    }

    [Fact]
    public void No_record_means_a_full_compose_up()
    {
        var decision = UpPlan.Decide(Services, Prints, null, [Running("cw", "web"), Exited("ci", "init", 0)]);

        Assert.Equal(new UpDecision(false, []), decision);
    }

    [Theory]
    [InlineData("fingerprint")]
    [InlineData("replaced")]
    [InlineData("unhealthy")]
    [InlineData("stopped")]
    [InlineData("orphan")]
    public void A_changed_or_broken_service_needs_compose_but_a_completed_unchanged_one_shot_is_kept(string change)
    {
        var prints = change == "fingerprint" ? new Dictionary<string, string>(Prints) { ["web"] = "w2" } : Prints;
        List<ContainerSnapshot> containers = change switch
        {
            "replaced" => [Running("other", "web"), Exited("ci", "init", 0)],
            "unhealthy" => [Running("cw", "web", "unhealthy"), Exited("ci", "init", 0)],
            "stopped" => [Exited("cw", "web", 137), Exited("ci", "init", 0)],
            "orphan" => [Running("cw", "web"), Exited("ci", "init", 0), Running("x", "gone")],
            _ => [Running("cw", "web"), Exited("ci", "init", 0)],
        };

        var decision = UpPlan.Decide(Services, prints, Record, containers);

        Assert.False(decision.NothingChanged);
        Assert.Equal(["init"], decision.Kept);
    }

    [Fact]
    public void An_unchanged_worker_tier_is_kept_at_the_replicas_the_autoscaler_chose_and_a_changed_one_is_not()
    {
        var tier = new ServiceSpec("heavy", "img", null, Web.Healthcheck, new Dictionary<string, string>(), "always", "heavy: config", Tier: "heavy");
        ServiceSpec[] services = [Web, tier];
        var prints = new Dictionary<string, string> { ["web"] = "w1", ["heavy"] = "h1" };
        var record = new UpRecord(prints, new Dictionary<string, string> { ["web"] = "cw", ["heavy"] = "first" });
        var first = Running("first", "heavy") with { Created = Then.AddMinutes(-1) };

        // at 0 (its first container stopped), at 2 (a newer copy, still starting): nothing to do
        Assert.True(UpPlan.Decide(services, prints, record, [Running("cw", "web"), first with { Status = "exited" }]).NothingChanged);
        Assert.True(UpPlan.Decide(services, prints, record, [Running("cw", "web"), first, Running("copy", "heavy", "starting")]).NothingChanged);
        // something else changed: the tier stays out of compose up, which would reset its replicas
        var other = UpPlan.Decide(services, new Dictionary<string, string>(prints) { ["web"] = "w2" }, record, [Running("cw", "web"), first, Running("copy", "heavy")]);
        Assert.Equal(["heavy"], other.Kept);
        // its own config changed, or a replica crashed: compose up takes it back to its declared count
        Assert.Empty(UpPlan.Decide(services, new Dictionary<string, string>(prints) { ["heavy"] = "h2" }, record, [Running("cw", "web"), first]).Kept);
        Assert.Empty(UpPlan.Decide(services, prints, record, [Running("cw", "web"), first, Exited("copy", "heavy", 1)]).Kept);
        Assert.Equal("first", UpPlan.Recorded([first, Running("copy", "heavy")], tier).Id);
    }

    [Fact]
    public void A_one_shot_that_failed_or_changed_runs_again()
    {
        Assert.Empty(UpPlan.Decide(Services, Prints, Record, [Running("cw", "web"), Exited("ci", "init", 1)]).Kept);
        Assert.Empty(UpPlan.Decide(Services, new Dictionary<string, string>(Prints) { ["init"] = "i2" }, Record, [Running("cw", "web"), Exited("ci", "init", 0)]).Kept);
    }

    [Fact]
    public void After_a_failed_Up_the_last_good_record_still_knows_what_it_left_in_place()
    {
        var routed = Record with { EdgeConfig = "routes-a" };
        // A failed rollout of web (its new copy removed, the old one serving): back to the recorded release, nothing to do.
        Assert.True(UpPlan.Decide(Services, Prints, routed.AfterFailedUp("routes-a"), [Running("cw", "web"), Exited("ci", "init", 0)], "routes-a").NothingChanged);
        // Web replaced by the failed Up: compose puts it back, the one-shot stays kept.
        Assert.Equal(["init"], UpPlan.Decide(Services, Prints, routed.AfterFailedUp("routes-a"), [Running("new", "web"), Exited("ci", "init", 0)], "routes-a").Kept);
        // The failed Up tried other routes, which the edge may have loaded: the way back reloads it, though web is kept.
        var otherRoutes = UpPlan.Decide(Services, Prints, routed.AfterFailedUp("routes-b"), [Running("cw", "web"), Exited("ci", "init", 0)], "routes-a");
        Assert.False(otherRoutes.NothingChanged);
        Assert.Contains("web", otherRoutes.UnchangedServices);
    }

    [Fact]
    public void The_fingerprint_follows_the_config_and_the_image_id()
    {
        Assert.NotEqual(UpPlan.Fingerprint(Web, "sha256:a"), UpPlan.Fingerprint(Web, "sha256:b"));
        Assert.NotEqual(UpPlan.Fingerprint(Web, "sha256:a"), UpPlan.Fingerprint(Web with { ConfigText = "web: other" }, "sha256:a"));
        Assert.Equal(UpPlan.Fingerprint(Web, "sha256:a"), UpPlan.Fingerprint(Web, "sha256:a"));
    }
}
