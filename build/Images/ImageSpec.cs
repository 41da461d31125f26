using Mlstack.Build.Core;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Images;

/// <summary>One image to build, and the compose services that run it.</summary>
public sealed record ImageSpec(string Repository, string Context, string Dockerfile, string? Target, IReadOnlyDictionary<string, string> Args, IReadOnlyList<string> Services)
{
    public string ShortName => Repository.Split('/')[^1];

    /// <summary>Every service declared with build:, one spec per image (several services may share one).</summary>
    public static IReadOnlyList<ImageSpec> FromCompose(ComposeModel model)
    {
        var specs = new List<ImageSpec>();
        foreach (var service in model.Services.Where(s => s.Build != null))
        {
            var build = service.Build!;
            var repository = RepositoryOf(service);
            var spec = new ImageSpec(repository, build.Context, build.Dockerfile ?? "Dockerfile", build.Target, build.Args, [service.Name]);
            var existing = specs.FindIndex(s => s.Repository == repository);
            if (existing < 0)
            {
                specs.Add(spec);
                continue;
            }

            var other = specs[existing];
            if (other.Context != spec.Context || other.Dockerfile != spec.Dockerfile || other.Target != spec.Target)
                throw new BuildInputException($"Services {other.Services[0]} and {service.Name} both name image {repository} but build it differently; give them different images.");
            specs[existing] = other with { Services = [.. other.Services, service.Name] };
        }

        return specs;
    }

    /// <summary>An image no service runs: the build starts it as a one-off container (e.g. docker/backup, the helper
    /// Backup and Restore run). Built and tagged like the stack's images, so Deploy ships it with them.</summary>
    public static ImageSpec Helper(string root, string name, string baseImage) =>
        new($"mlstack/{name}", Path.Combine(root, "docker", name), "Dockerfile", null, new Dictionary<string, string> { ["BASE_IMAGE"] = baseImage }, []);

    private static string RepositoryOf(ServiceSpec service)
    {
        var image = service.Image ?? $"mlstack/{service.Name}";
        var lastSlash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > lastSlash ? image[..colon] : image;
    }
}
