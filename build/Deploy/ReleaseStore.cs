using System.Globalization;
using System.Text;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;

namespace Mlstack.Build.Deploy;

/// <summary>Releases on the VM: &lt;deploy-path&gt;/releases/&lt;id&gt;/ (0700) with the release's files and release.json;
/// the symlinks current and last_good; audit.log (JSON lines, owner-only). A release appears under its id only once
/// all of it is there (it is written as releases/.&lt;id&gt;.partial and renamed). Few round trips: listing is one
/// command.</summary>
public sealed class ReleaseStore
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30);
    private readonly SshSession _vm;
    private readonly string _path;

    public ReleaseStore(SshSession vm, string deployPath)
    {
        (_vm, _path) = (vm, CheckDeployPath(deployPath));
    }

    /// <summary>The deploy path as given, without a trailing slash; it goes into shell commands, so nothing but a
    /// plain absolute path passes.</summary>
    public static string CheckDeployPath(string deployPath) =>
        deployPath.StartsWith('/') && !deployPath.Any(c => c is '\'' or '"' or '\n' or '\\' or '$' or '`') ? deployPath.TrimEnd('/')
            : throw new BuildInputException($"--deploy-path {deployPath}: give an absolute path without quotes or shell characters, e.g. /srv/mlstack.");

    public static string NewId(DateTimeOffset now, string shortSha) =>
        $"{now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{shortSha}";

    public string ReleaseDirectory(string id) => $"{_path}/releases/{id}";

    /// <summary>The release's files and release.json travel as one tar (one upload, checked by size before it is
    /// used) and are unpacked in one command: a round trip per file made most of an unchanged deploy's time.</summary>
    public async Task UploadAsync(ReleaseInfo release, IReadOnlyList<ReleaseFile> files, CancellationToken ct)
    {
        var partial = $"{_path}/releases/.{release.Id}.partial";
        var archive = $"{_path}/releases/.{release.Id}.tar";
        await _vm.UploadAsync(Tar([.. files, new ReleaseFile("release.json", Encoding.UTF8.GetBytes(ReleaseJson.Line(release)), UnixFileMode.UserRead | UnixFileMode.UserWrite)]),
            archive, UnixFileMode.UserRead | UnixFileMode.UserWrite, TimeSpan.FromMinutes(5), ct).ConfigureAwait(false);
        await RunAsync($"umask 077; rm -rf {Q(partial)} && mkdir -p {Q(partial)} && tar -xf {Q(archive)} -C {Q(partial)} --no-same-owner --same-permissions"
            + $" && rm -f {Q(archive)} && chmod 700 {Q(partial)} && mv -T {Q(partial)} {Q(ReleaseDirectory(release.Id))}", ct).ConfigureAwait(false);
    }

    private static byte[] Tar(IEnumerable<ReleaseFile> files)
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Formats.Tar.TarWriter(buffer, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var file in files)
            {
                writer.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, file.RelativePath)
                {
                    Mode = file.Mode,
                    ModificationTime = DateTimeOffset.UnixEpoch,
                    DataStream = new MemoryStream(file.Content, writable: false),
                });
            }
        }

        return buffer.ToArray();
    }

    public async Task SetStatusAsync(string id, string status, CancellationToken ct)
    {
        var release = (await ListAsync(ct).ConfigureAwait(false)).Single(r => r.Release.Id == id).Release with { Status = status };
        await _vm.UploadAsync(Encoding.UTF8.GetBytes(ReleaseJson.Line(release)), $"{ReleaseDirectory(id)}/release.json", UnixFileMode.UserRead | UnixFileMode.UserWrite, ct: ct).ConfigureAwait(false);
    }

    /// <param name="link">current or last_good; swapped atomically (a new link renamed over the old).</param>
    public Task PointAsync(string link, string id, CancellationToken ct) =>
        RunAsync($"ln -sfn releases/{Q(id)} {Q($"{_path}/.{link}.tmp")} && mv -T {Q($"{_path}/.{link}.tmp")} {Q($"{_path}/{link}")}", ct);

    public async Task<string?> ResolveAsync(string link, CancellationToken ct)
    {
        var target = (await _vm.RunAsync($"readlink {Q($"{_path}/{link}")}", Quick, ct).ConfigureAwait(false)).Output.Trim();
        return target.Length == 0 ? null : target.Split('/')[^1];
    }

    /// <summary>Every complete release, oldest first, with the two links marked.</summary>
    public async Task<IReadOnlyList<ReleaseListing>> ListAsync(CancellationToken ct)
    {
        var script = $"cd {Q(_path)} 2>/dev/null || exit 0; for f in releases/*/release.json; do [ -f \"$f\" ] && cat \"$f\" && echo; done; "
            + "echo \"@current $(readlink current)\"; echo \"@last_good $(readlink last_good)\"";
        var output = (await RunAsync(script, ct).ConfigureAwait(false)).Output;
        string Link(string name) => output.Split('\n').FirstOrDefault(l => l.StartsWith($"@{name} ", StringComparison.Ordinal))?.Split('/')[^1].Trim() ?? string.Empty;
        var (current, lastGood) = (Link("current"), Link("last_good"));
        return [.. ReleaseJson.Lines<ReleaseInfo>(output).OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => new ReleaseListing(r, r.Id == current, r.Id == lastGood))];
    }

    public Task AppendAuditAsync(AuditEntry entry, CancellationToken ct) =>
        RunAsync($"umask 077; mkdir -p {Q(_path)} && printf '%s\\n' {Q(ReleaseJson.Line(entry))} >> {Q($"{_path}/audit.log")}", ct);

    public async Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(CancellationToken ct) =>
        ReleaseJson.Lines<AuditEntry>((await _vm.RunAsync($"cat {Q($"{_path}/audit.log")} 2>/dev/null", Quick, ct).ConfigureAwait(false)).Output);

    /// <summary>Keeps the newest <paramref name="keepHealthy"/> healthy releases and whatever current and last_good
    /// point at, always, plus the failed or interrupted ones among them (newer than the oldest healthy one kept: the
    /// history Releases shows); removes the rest (and any half-written release). Only healthy releases count, so
    /// failures can never push the last good one out (Kamal's prune counts them). Returns the removed ones.</summary>
    public async Task<IReadOnlyList<ReleaseInfo>> PruneAsync(int keepHealthy, CancellationToken ct)
    {
        var listing = await ListAsync(ct).ConfigureAwait(false);
        var healthy = listing.Where(l => l.Release.Status == "healthy").TakeLast(Math.Max(0, keepHealthy)).Select(l => l.Release.Id).ToList();
        var oldestKept = healthy.FirstOrDefault() ?? "~";
        var kept = healthy
            .Concat(listing.Where(l => l.Release.Status != "healthy" && string.CompareOrdinal(l.Release.Id, oldestKept) > 0).Select(l => l.Release.Id))
            .Concat(listing.Where(l => l.IsCurrent || l.IsLastGood).Select(l => l.Release.Id)).ToHashSet(StringComparer.Ordinal);
        var removed = listing.Select(l => l.Release).Where(r => !kept.Contains(r.Id)).ToList();
        var folders = string.Join(' ', removed.Select(r => Q(ReleaseDirectory(r.Id))));
        await RunAsync($"rm -rf {folders} {Q(_path)}/releases/.*.partial", ct).ConfigureAwait(false);
        return removed;
    }

    /// <summary>Image ids only removed releases used: safe to delete from the VM.</summary>
    public static IReadOnlyList<string> ImagesOnlyIn(IEnumerable<ReleaseInfo> removed, IEnumerable<ReleaseInfo> kept)
    {
        var keptIds = kept.SelectMany(r => r.Images.Values).ToHashSet(StringComparer.Ordinal);
        return [.. removed.SelectMany(r => r.Images.Values).Distinct().Where(id => !keptIds.Contains(id))];
    }

    private async Task<RemoteCommandResult> RunAsync(string command, CancellationToken ct) =>
        (await _vm.RunAsync(command, Quick, ct).ConfigureAwait(false)).EnsureSuccess();

    private static string Q(string word) => AtomicUpload.Quote(word);
}
