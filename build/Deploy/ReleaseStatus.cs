using System.Text.Json.Serialization;

namespace Mlstack.Build.Deploy;

/// <summary>Where a release stands, as release.json on the VM says it. The wire names are the ones written since the
/// first deploy: records already on VMs read the same.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReleaseStatus>))]
public enum ReleaseStatus
{
    /// <summary>Uploaded; its deploy has not decided yet (or was lost: the next deploy marks it interrupted).</summary>
    [JsonStringEnumMemberName("pending")] Pending,

    /// <summary>Passed its gates and smoke test and went live.</summary>
    [JsonStringEnumMemberName("healthy")] Healthy,

    /// <summary>Failed its gates or smoke test (or its switch failed otherwise); the VM went back to the last good release.</summary>
    [JsonStringEnumMemberName("failed")] Failed,

    /// <summary>Its deploy ended without a result, found by a later deploy.</summary>
    [JsonStringEnumMemberName("interrupted")] Interrupted,
}

/// <summary>What a deploy or rollback did, as the audit log's outcome says. Wire names as written since the first deploy.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AuditOutcome>))]
public enum AuditOutcome
{
    [JsonStringEnumMemberName("deployed")] Deployed,
    [JsonStringEnumMemberName("unchanged")] Unchanged,
    [JsonStringEnumMemberName("rolled back")] RolledBack,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("interrupted")] Interrupted,
    [JsonStringEnumMemberName("rolled back by hand")] RolledBackByHand,
}

/// <summary>The two links in the deploy path: what runs, and where a failed deploy returns to.</summary>
public enum ReleaseLink
{
    Current,
    LastGood,
}

public static class ReleaseWireNames
{
    /// <summary>The name release.json and the audit log use, and Releases and Audit print: the JSON attributes above
    /// are its only source.</summary>
    public static string Wire(this ReleaseStatus status) => ReleaseJson.Line(status)[1..^1];

    public static string Wire(this AuditOutcome outcome) => ReleaseJson.Line(outcome)[1..^1];

    /// <summary>The symlink's file name under the deploy path.</summary>
    public static string FileName(this ReleaseLink link) => link switch
    {
        ReleaseLink.Current => "current",
        ReleaseLink.LastGood => "last_good",
        _ => throw new ArgumentOutOfRangeException(nameof(link), link, null),
    };
}
