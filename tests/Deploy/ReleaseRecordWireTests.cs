using Mlstack.Build.Deploy;

namespace Mlstack.Tests.Deploy;

/// <summary>release.json and audit.log lines written on VMs before status and outcome were types read the same, and
/// are written back byte for byte.</summary>
public sealed class ReleaseRecordWireTests
{
    private const string ReleaseJsonOnAVm =
        "{\"id\":\"20261123-101500-abc1234\",\"gitSha\":\"abc1234def\",\"images\":{\"mlstack/ml-service:c1\":\"sha256:1\"},\"user\":\"ci\",\"machine\":\"builder\","
        + "\"created\":\"2026-11-23T10:15:00+00:00\",\"status\":\"interrupted\",\"content\":\"ff00\"}";

    private const string AuditLineOnAVm =
        "{\"user\":\"ci\",\"machine\":\"builder\",\"gitSha\":\"abc\",\"release\":\"r1\",\"images\":{},\"start\":\"2026-11-23T10:15:00+00:00\","
        + "\"end\":\"2026-11-23T10:16:00+00:00\",\"outcome\":\"rolled back by hand\",\"reason\":\"from r2 to r1\"}";

    [Fact]
    public void A_release_json_from_a_vm_reads_its_status_and_writes_back_the_same_line()
    {
        var release = Assert.Single(ReleaseJson.Lines<ReleaseInfo>(ReleaseJsonOnAVm));

        Assert.Equal(ReleaseStatus.Interrupted, release.Status);
        Assert.Equal(ReleaseJsonOnAVm, ReleaseJson.Line(release));
    }

    [Fact]
    public void An_audit_line_from_a_vm_reads_its_outcome_and_writes_back_the_same_line()
    {
        var entry = Assert.Single(ReleaseJson.Lines<AuditEntry>(AuditLineOnAVm));

        Assert.Equal(AuditOutcome.RolledBackByHand, entry.Outcome);
        Assert.Equal(AuditLineOnAVm, ReleaseJson.Line(entry));
    }

    [Fact]
    public void Every_status_and_outcome_keeps_its_wire_name()
    {
        Assert.Equal(["pending", "healthy", "failed", "interrupted"], Enum.GetValues<ReleaseStatus>().Select(s => s.Wire()));
        Assert.Equal(["deployed", "unchanged", "rolled back", "failed", "interrupted", "rolled back by hand"], Enum.GetValues<AuditOutcome>().Select(o => o.Wire()));
        Assert.Equal(["current", "last_good"], Enum.GetValues<ReleaseLink>().Select(l => l.FileName()));
    }

    [Fact]
    public void A_listing_marks_the_links_and_sorts_oldest_first()
    {
        var listing = ReleaseListings.Parse($"{ReleaseJsonOnAVm.Replace("abc1234\",\"gitSha", "abc1235\",\"gitSha", StringComparison.Ordinal)}\n{ReleaseJsonOnAVm}\n@current releases/20261123-101500-abc1235\n@last_good \n");

        Assert.Equal(["20261123-101500-abc1234", "20261123-101500-abc1235"], listing.Select(l => l.Release.Id));
        Assert.Equal([false, true], listing.Select(l => l.IsCurrent));
        Assert.All(listing, l => Assert.False(l.IsLastGood));
    }
}
