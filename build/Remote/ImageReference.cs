using Mlstack.Build.Core;

namespace Mlstack.Build.Remote;

/// <summary>An image name as shipped: repository and tag, with any registry host taken off so that it can be put
/// under the loopback registry's name (<c>ghcr.io/acme/api:1</c> → <c>acme/api</c>, <c>1</c>).</summary>
internal sealed record ImageReference(string Repository, string Tag)
{
    public static ImageReference Parse(string image)
    {
        if (image.Contains('@', StringComparison.Ordinal) || string.IsNullOrWhiteSpace(image))
            throw new BuildInputException($"Image '{image}' cannot be shipped by name; give repository[:tag] (digests are not supported).");
        var colon = image.LastIndexOf(':');
        var (repository, tag) = colon > image.LastIndexOf('/') ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
        return new ImageReference(repository, tag);
    }

    /// <summary>The repository without a registry host (a first part with a dot or colon, or localhost).</summary>
    public string Path
    {
        get
        {
            var slash = Repository.IndexOf('/', StringComparison.Ordinal);
            var first = slash < 0 ? "" : Repository[..slash];
            return first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"
                ? Repository[(slash + 1)..]
                : Repository;
        }
    }

    public override string ToString() => $"{Repository}:{Tag}";
}
