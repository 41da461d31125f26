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
        Assert.Equal(["init"], decision.KeptOneShots);
    }

    [Fact]
    public void A_one_shot_that_failed_or_changed_runs_again()
    {
        Assert.Empty(UpPlan.Decide(Services, Prints, Record, [Running("cw", "web"), Exited("ci", "init", 1)]).KeptOneShots);
        Assert.Empty(UpPlan.Decide(Services, new Dictionary<string, string>(Prints) { ["init"] = "i2" }, Record, [Running("cw", "web"), Exited("ci", "init", 0)]).KeptOneShots);
    }

    [Fact]
    public void The_fingerprint_follows_the_config_and_the_image_id()
    {
        Assert.NotEqual(UpPlan.Fingerprint(Web, "sha256:a"), UpPlan.Fingerprint(Web, "sha256:b"));
        Assert.NotEqual(UpPlan.Fingerprint(Web, "sha256:a"), UpPlan.Fingerprint(Web with { ConfigText = "web: other" }, "sha256:a"));
        Assert.Equal(UpPlan.Fingerprint(Web, "sha256:a"), UpPlan.Fingerprint(Web, "sha256:a"));
    }
}
