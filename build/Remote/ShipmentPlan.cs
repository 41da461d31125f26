namespace Mlstack.Build.Remote;

/// <summary>An image as the local engine has it: its name, its id (what a node must end up with) and its unpacked
/// size (what a node's disk must hold).</summary>
internal sealed record LocalImage(ImageReference Reference, string Id, long Size);

/// <summary>Which node lacks which image, decided by image id before anything moves. An image that any node lacks is
/// pushed to the loopback registry once (<see cref="ToPush"/>, in the order asked for); each node pulls only what it
/// lacks, and a node that has everything gets no forward at all.</summary>
internal sealed record ShipmentPlan(IReadOnlyList<LocalImage> ToPush, IReadOnlyList<IReadOnlyList<LocalImage>> Lacking)
{
    /// <param name="idsOnNodes">Per node, the image id it has under each image's name (a name it lacks is absent).</param>
    public static ShipmentPlan Of(IReadOnlyList<LocalImage> images, IReadOnlyList<IReadOnlyDictionary<string, string>> idsOnNodes)
    {
        var lacking = idsOnNodes.Select(ids => LackingOn(images, ids)).ToList();
        return new ShipmentPlan([.. images.Where(image => lacking.Any(node => node.Contains(image)))], lacking);
    }

    /// <summary>The images a node lacks: none under that name, or another image under it (an older build).</summary>
    public static IReadOnlyList<LocalImage> LackingOn(IReadOnlyList<LocalImage> images, IReadOnlyDictionary<string, string> idsOnNode) =>
        [.. images.Where(image => !(idsOnNode.TryGetValue(image.Reference.ToString(), out var id) && id == image.Id))];

    /// <summary>How many nodes pull this image from the one push.</summary>
    public int NodesLacking(LocalImage image) => Lacking.Count(node => node.Contains(image));
}
