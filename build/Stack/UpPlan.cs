using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mlstack.Build.Gates;

namespace Mlstack.Build.Stack;

/// <summary>What the last successful Up left running: each service's fingerprint (its resolved compose config plus
/// its image id) and the container that passed the gate with it; and the edge's routes it applied
/// (<see cref="UpOptions.EdgeConfig"/>).</summary>
public sealed record UpRecord(IReadOnlyDictionary<string, string> Fingerprints, IReadOnlyDictionary<string, string> Containers, string? EdgeConfig = null)
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

    /// <summary>This record, kept when a later Up failed: every container it names that the failed Up replaced or
    /// left in bad shape no longer matches it (<see cref="UpPlan.Decide"/> checks id, fingerprint and state), and the
    /// rest still run what this record's Up gated. Only the routes are in doubt: the failed Up may have reloaded the
    /// edge with <paramref name="edgeConfigTried"/> after its rollouts, so when those differ, the record forgets its
    /// own and the next Up reloads the edge.</summary>
    public UpRecord AfterFailedUp(string? edgeConfigTried) => EdgeConfig == edgeConfigTried ? this : this with { EdgeConfig = null };

    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}

/// <param name="NothingChanged">Every service still runs the container the last Up gated, with the same config and
/// image, in good shape: compose up is not needed at all.</param>
/// <param name="Kept">Left out of compose up: one-shots whose config and image are unchanged and whose last run
/// exited 0 (compose would run them again; leaving them out keeps their result), and worker tiers whose config and
/// image are unchanged (compose would reset the replicas the autoscaler chose to its own count).</param>
/// <param name="Unchanged">Every service that still runs what the last Up gated (a superset of <paramref name="Kept"/>).</param>
public sealed record UpDecision(bool NothingChanged, IReadOnlyList<string> Kept, IReadOnlySet<string>? Unchanged = null)
{
    public IReadOnlySet<string> UnchangedServices => Unchanged ?? new HashSet<string>();
}

/// <summary>Decides how much of compose up an Up needs. Pure: the record, the fingerprints and a snapshot in.</summary>
public static class UpPlan
{
    public static string Fingerprint(ServiceSpec service, string? imageId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{service.ConfigText}\nimage-id={imageId}")));

    /// <param name="edgeConfig">The identity of the edge's routes now (<see cref="UpOptions.EdgeConfig"/>): routes
    /// changed on their own are a change too, applied by a reload.</param>
    public static UpDecision Decide(IReadOnlyList<ServiceSpec> services, IReadOnlyDictionary<string, string> fingerprints, UpRecord? record, IReadOnlyList<ContainerSnapshot> containers, string? edgeConfig = null)
    {
        if (record == null)
            return new UpDecision(false, []);
        var unchanged = services.Where(s => Unchanged(s, fingerprints[s.Name], record, containers)).ToList();
        var orphans = containers.Any(c => services.All(s => s.Name != c.Service));
        return new UpDecision(
            unchanged.Count == services.Count && !orphans && record.EdgeConfig == edgeConfig,
            [.. unchanged.Where(s => s.IsOneShot || s.IsTier).Select(s => s.Name)],
            unchanged.Select(s => s.Name).ToHashSet());
    }

    /// <summary>The container Up records for a service: its newest; for a worker tier its first, the one compose
    /// made, which the autoscaler copies and never removes (its replicas come and go).</summary>
    public static ContainerSnapshot Recorded(IEnumerable<ContainerSnapshot> containers, ServiceSpec? service) =>
        service is { IsTier: true } ? containers.MinBy(c => c.Created)! : containers.MaxBy(c => c.Created)!;

    private static bool Unchanged(ServiceSpec service, string fingerprint, UpRecord record, IReadOnlyList<ContainerSnapshot> containers)
    {
        var own = containers.Where(c => c.Service == service.Name).ToList();
        if (own.Count == 0 || record.Fingerprints.GetValueOrDefault(service.Name) != fingerprint || record.Containers.GetValueOrDefault(service.Name) != Recorded(own, service).Id)
            return false;
        if (service.IsTier) // running replicas in good shape (or still starting), the others stopped cleanly
            return own.All(c => c.IsRunning ? c.Health is null or "healthy" or "starting" : c is { HasExited: true, ExitCode: 0 });
        var newest = own.MaxBy(c => c.Created)!;
        return service.IsOneShot
            ? newest.HasExited && newest.ExitCode == 0
            : newest.IsRunning && newest.Health is null or "healthy";
    }
}
