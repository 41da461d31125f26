namespace Mlstack.Build.Images;

/// <summary>How built images reach compose: compose.yaml names each built image by a variable (ml-service →
/// ML_SERVICE_IMAGE) set to the image's content tag, and Up's gates know each service's image by its id.</summary>
public static class ComposeImages
{
    public static string Variable(string shortName) => shortName.ToUpperInvariant().Replace('-', '_') + "_IMAGE";

    /// <summary>Each image's variable and content-tagged reference, for compose's interpolation.</summary>
    public static Dictionary<string, string> Variables(IEnumerable<BuiltImage> images)
    {
        var variables = new Dictionary<string, string>();
        foreach (var image in images)
            variables[Variable(image.Spec.ShortName)] = image.Reference;
        return variables;
    }

    /// <summary>The image id each service should run: how Up tells a container that is current from a stale one.</summary>
    public static Dictionary<string, string> IdsByService(IEnumerable<BuiltImage> images) =>
        images.SelectMany(i => i.Spec.Services.Select(s => (Service: s, i.ImageId))).ToDictionary(p => p.Service, p => p.ImageId);
}
