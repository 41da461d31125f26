using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mlstack.Build.Gates;

namespace Mlstack.Build.Stack;

/// <summary>What the last successful Up left running: each service's fingerprint (its resolved compose config plus
/// its image id) and the container that passed the gate with it.</summary>
public sealed record UpRecord(IReadOnlyDictionary<string, string> Fingerprints, IReadOnlyDictionary<string, string> Containers)
{
    public static UpRecord? Read(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<UpRecord>(File.ReadAllText(path)) : null;
        }
        catch (JsonException)
        {
            return null; // a damaged record only costs a full compose up
        }
    }

    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}

/// <param name="NothingChanged">Every service still runs the container the last Up gated, with the same config and
/// image, in good shape: compose up is not needed at all.</param>
/// <param name="KeptOneShots">One-shots whose config and image are unchanged and whose last run exited 0: compose
/// would run them again; leaving them out of compose up keeps their result.</param>
public sealed record UpDecision(bool NothingChanged, IReadOnlyList<string> KeptOneShots);

/// <summary>Decides how much of compose up an Up needs. Pure: the record, the fingerprints and a snapshot in.</summary>
public static class UpPlan
{
    public static string Fingerprint(ServiceSpec service, string? imageId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{service.ConfigText}\nimage-id={imageId}")));

    public static UpDecision Decide(IReadOnlyList<ServiceSpec> services, IReadOnlyDictionary<string, string> fingerprints, UpRecord? record, IReadOnlyList<ContainerSnapshot> containers)
    {
        if (record == null)
            return new UpDecision(false, []);
        var unchanged = services.Where(s => Unchanged(s, fingerprints[s.Name], record, containers)).ToList();
        var orphans = containers.Any(c => services.All(s => s.Name != c.Service));
        return new UpDecision(
            unchanged.Count == services.Count && !orphans,
            [.. unchanged.Where(s => s.IsOneShot).Select(s => s.Name)]);
    }

    private static bool Unchanged(ServiceSpec service, string fingerprint, UpRecord record, IReadOnlyList<ContainerSnapshot> containers)
    {
        var newest = containers.Where(c => c.Service == service.Name).MaxBy(c => c.Created);
        if (newest == null || record.Fingerprints.GetValueOrDefault(service.Name) != fingerprint || record.Containers.GetValueOrDefault(service.Name) != newest.Id)
            return false;
        return service.IsOneShot
            ? newest.HasExited && newest.ExitCode == 0
            : newest.IsRunning && newest.Health is null or "healthy";
    }
}
