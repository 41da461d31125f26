namespace Mlstack.Build.Deploy;

/// <summary>Reads the output of <see cref="Commands.ReleaseCommands.List"/>: release.json lines, then the links.</summary>
public static class ReleaseListings
{
    /// <summary>Every release that parses, oldest first (ids start with their UTC time), with the two links marked.</summary>
    public static IReadOnlyList<ReleaseListing> Parse(string output)
    {
        string Link(ReleaseLink link) =>
            output.Split('\n').FirstOrDefault(l => l.StartsWith($"@{link.FileName()} ", StringComparison.Ordinal))?.Split('/')[^1].Trim() ?? string.Empty;
        var (current, lastGood) = (Link(ReleaseLink.Current), Link(ReleaseLink.LastGood));
        return [.. ReleaseJson.Lines<ReleaseInfo>(output).OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => new ReleaseListing(r, r.Id == current, r.Id == lastGood))];
    }
}
