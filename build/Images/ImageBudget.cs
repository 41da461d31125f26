using System.Globalization;
using Mlstack.Build.Core;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Build.Images;

/// <summary>docker/image-budget.yaml: how large each image of the stack, and all of them together, may grow, in MB
/// (10⁶ bytes, uncompressed, as <c>docker images</c> shows). Committed, so the commit that grows an image past its
/// budget raises the budget where a reviewer sees it.</summary>
/// <param name="File">The file's path as the messages name it.</param>
public sealed record ImageBudget(long TotalMb, IReadOnlyDictionary<string, long> ImagesMb, string File)
{
    public const string RelativePath = "docker/image-budget.yaml";

    public static ImageBudget Load(string root)
    {
        var path = Path.Combine(root, RelativePath);
        if (!System.IO.File.Exists(path))
            throw new BuildInputException($"{RelativePath}: no such file; it gives every image of the stack a size budget.");
        return Parse(System.IO.File.ReadAllText(path), RelativePath);
    }

    /// <summary>Reads <c>total: MB</c> and <c>images: {short name: MB}</c>; anything else is a one-line error.</summary>
    public static ImageBudget Parse(string yaml, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new BuildInputException($"{file}: not valid YAML ({e.Message}).");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new BuildInputException($"{file}: expected a mapping with total: and images:.");
        var total = Megabytes(root, "total", file);
        if (!root.Children.TryGetValue(new YamlScalarNode("images"), out var images) || images is not YamlMappingNode map)
            throw new BuildInputException($"{file}: expected images: with one budget per image (short name: MB).");
        var budgets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var key in map.Children.Keys.OfType<YamlScalarNode>())
            budgets[key.Value!] = Megabytes(map, key.Value!, file);
        return new ImageBudget(total, budgets, file);
    }

    /// <summary>One line per image of the stack without a budget and per budget that names no image of the stack:
    /// either way a budget is not checked, so both are errors.</summary>
    public IReadOnlyList<string> NameProblems(IEnumerable<string> imageNames)
    {
        var names = imageNames.ToHashSet(StringComparer.Ordinal);
        return
        [
            .. names.Where(n => !ImagesMb.ContainsKey(n)).Order(StringComparer.Ordinal)
                .Select(n => $"Image {n} has no budget in {File}; add one under images:."),
            .. ImagesMb.Keys.Where(n => !names.Contains(n)).Order(StringComparer.Ordinal)
                .Select(n => $"{File} budgets image {n}, which the stack does not build; remove it or fix its name."),
        ];
    }

    private static long Megabytes(YamlMappingNode map, string key, string file)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode(key), out var node) || node is not YamlScalarNode scalar)
            throw new BuildInputException($"{file}: {key}: is missing; give it a size in MB.");
        return long.TryParse(scalar.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var mb) && mb > 0
            ? mb
            : throw new BuildInputException($"{file}: {key}: '{scalar.Value}' is not a whole number of MB.");
    }
}
