using Mlstack.Build.Gates;
using Mlstack.Build.Core;

namespace Mlstack.Build.Backup;

/// <summary>Waits until services are ready again after the restore restarted them (the Up gate, reused).</summary>
public delegate Task GateServices(IReadOnlyList<string> services, CancellationToken ct);

/// <summary>Puts a fetched backup (in a stage volume) into a project's data services — the same steps for a scratch
/// project and the live stack: Redis and the object store stopped while their volumes are filled, started and gated,
/// then globals and pg_restore --exit-on-error into PostgreSQL, and every count compared with the manifest.</summary>
public static class DataRestore
{
    public static async Task RunAsync(BackupHelper helper, BackupTarget target, string stage, BackupManifest manifest, GateServices gate, BuildLog log, CancellationToken ct)
    {
        var engine = helper.Engine;
        string[] filled = ["redis", "objectstore"];
        var ids = new List<string>();
        foreach (var service in filled)
        {
            var container = await engine.ContainerAsync(target.Project, service, ct).ConfigureAwait(false)
                ?? throw new BackupException($"{helper.Prefix}: project {target.Project} has no {service} container.");
            await engine.StopAsync(container.ID, ct).ConfigureAwait(false);
            ids.Add(container.ID);
        }

        var (redis, objects) = (await engine.VolumeAsync(target.Project, "redisdata", ct).ConfigureAwait(false), await engine.VolumeAsync(target.Project, "objectdata", ct).ConfigureAwait(false));
        await helper.RunAsync(["place"], null, [$"{stage}:/stage", $"{redis}:/target-redis", $"{objects}:/target-objects"], null, ct).ConfigureAwait(false);
        foreach (var id in ids)
            await engine.StartAsync(id, ct).ConfigureAwait(false);
        await gate(filled, ct).ConfigureAwait(false);

        var network = await engine.NetworkAsync(target.Project, "backend", ct).ConfigureAwait(false);
        var markers = await helper.RunAsync(["load"], network, [$"{stage}:/stage", $"{objects}:/target-objects:ro"], target.Environment, ct).ConfigureAwait(false);
        var differences = BackupManifest.Differences(manifest.Counts, BackupManifest.ParseCounts(markers["COUNTS"]));
        if (differences.Count > 0)
            throw new BackupException($"{helper.Prefix}: {target.Project} does not hold what the backup counted: {string.Join("; ", differences.Take(5))}{(differences.Count > 5 ? $" (and {differences.Count - 5} more)" : string.Empty)}");
        log.Info($"{helper.Prefix}: {manifest.Counts.Count} counts match the manifest ({Summary(manifest.Counts)})");
    }

    /// <summary>Rows, keys and objects in one phrase.</summary>
    public static string Summary(IReadOnlyDictionary<string, long> counts) =>
        $"{counts.Where(c => c.Key.StartsWith("postgres/", StringComparison.Ordinal)).Sum(c => c.Value)} rows in {counts.Count(c => c.Key.StartsWith("postgres/", StringComparison.Ordinal))} tables, "
        + $"{counts.GetValueOrDefault("redis/keys")} redis keys, "
        + $"{counts.Where(c => c.Key.StartsWith("objects/", StringComparison.Ordinal) && !c.Key.EndsWith(".bytes", StringComparison.Ordinal)).Sum(c => c.Value)} objects";

    /// <summary>The fetch step: the repository's check, the backup restored into the stage, its checksums against its
    /// manifest. A damaged repository or backup fails here, before anything else is touched.</summary>
    public static async Task<BackupManifest> FetchAsync(BackupHelper helper, BackupEntry backup, string stage, string checkSubset, CancellationToken ct)
    {
        var markers = await helper.RunAsync(["fetch", backup.Id], null, [$"{stage}:/stage"], new Dictionary<string, string> { ["CHECK_SUBSET"] = checkSubset }, ct).ConfigureAwait(false);
        return BackupManifest.Parse(markers["MANIFEST"]);
    }
}
