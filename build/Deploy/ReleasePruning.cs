namespace Mlstack.Build.Deploy;

/// <summary>Which releases a prune removes, decided on the listing alone.</summary>
public static class ReleasePruning
{
    /// <summary>Keeps the newest <paramref name="keepHealthy"/> healthy releases and whatever current and last_good
    /// point at, always, plus the failed or interrupted ones among them (newer than the oldest healthy one kept: the
    /// history Releases shows); the rest go. Only healthy releases count, so failures can never push the last good
    /// one out (Kamal's prune counts them).</summary>
    public static IReadOnlyList<ReleaseInfo> Removable(IReadOnlyList<ReleaseListing> listing, int keepHealthy)
    {
        var healthy = listing.Where(l => l.Release.Status == ReleaseStatus.Healthy).TakeLast(Math.Max(0, keepHealthy)).Select(l => l.Release.Id).ToList();
        var oldestKept = healthy.FirstOrDefault() ?? "~";
        var kept = healthy
            .Concat(listing.Where(l => l.Release.Status != ReleaseStatus.Healthy && string.CompareOrdinal(l.Release.Id, oldestKept) > 0).Select(l => l.Release.Id))
            .Concat(listing.Where(l => l.IsCurrent || l.IsLastGood).Select(l => l.Release.Id)).ToHashSet(StringComparer.Ordinal);
        return [.. listing.Select(l => l.Release).Where(r => !kept.Contains(r.Id))];
    }

    /// <summary>Image ids only removed releases used: safe to delete from the VM.</summary>
    public static IReadOnlyList<string> ImagesOnlyIn(IEnumerable<ReleaseInfo> removed, IEnumerable<ReleaseInfo> kept)
    {
        var keptIds = kept.SelectMany(r => r.Images.Values).ToHashSet(StringComparer.Ordinal);
        return [.. removed.SelectMany(r => r.Images.Values).Distinct().Where(id => !keptIds.Contains(id))];
    }
}
