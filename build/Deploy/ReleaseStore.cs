using System.Globalization;
using System.Text;
using Mlstack.Build.Deploy.Commands;
using Mlstack.Build.Core;
using Mlstack.Build.Remote;

namespace Mlstack.Build.Deploy;

/// <summary>Releases on the VM: &lt;deploy-path&gt;/releases/&lt;id&gt;/ (0700) with the release's files and release.json;
/// the symlinks current and last_good; audit.log (JSON lines, owner-only). A release appears under its id only once
/// all of it is there (it is written as releases/.&lt;id&gt;.partial and renamed). Few round trips: listing is one
/// command. The command lines are <see cref="ReleaseCommands"/>'s.</summary>
public sealed class ReleaseStore
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30);
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly IRemoteShell _vm;
    private readonly string _path;

    public ReleaseStore(IRemoteShell vm, string deployPath)
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

    public string DeployPath => _path;

    public string ReleaseDirectory(string id) => ReleaseCommands.ReleaseDirectory(_path, id);

    /// <summary>The release's files and release.json travel as one tar (one upload, checked by size before it is
    /// used) and are unpacked in one command: a round trip per file made most of an unchanged deploy's time.</summary>
    public async Task UploadAsync(ReleaseInfo release, IReadOnlyList<ReleaseFile> files, CancellationToken ct)
    {
        var all = files.Append(new ReleaseFile("release.json", Encoding.UTF8.GetBytes(ReleaseJson.Line(release)), Private));
        await _vm.UploadAsync(ReleaseTar.Of(all), ReleaseCommands.Archive(_path, release.Id), Private, TimeSpan.FromMinutes(5), ct).ConfigureAwait(false);
        await RunAsync(ReleaseCommands.Unpack(_path, release.Id), ct).ConfigureAwait(false);
    }

    public async Task SetStatusAsync(string id, ReleaseStatus status, CancellationToken ct)
    {
        var release = (await ListAsync(ct).ConfigureAwait(false)).Single(r => r.Release.Id == id).Release with { Status = status };
        await _vm.UploadAsync(Encoding.UTF8.GetBytes(ReleaseJson.Line(release)), $"{ReleaseDirectory(id)}/release.json", Private, ct: ct).ConfigureAwait(false);
    }

    /// <summary>Swaps the link atomically (a new link renamed over the old).</summary>
    public Task PointAsync(ReleaseLink link, string id, CancellationToken ct) => RunAsync(ReleaseCommands.Point(_path, link, id), ct);

    public async Task<string?> ResolveAsync(ReleaseLink link, CancellationToken ct)
    {
        var target = (await _vm.RunAsync(ReleaseCommands.Resolve(_path, link), Quick, ct).ConfigureAwait(false)).Output.Trim();
        return target.Length == 0 ? null : target.Split('/')[^1];
    }

    /// <summary>Every complete release, oldest first, with the two links marked.</summary>
    public async Task<IReadOnlyList<ReleaseListing>> ListAsync(CancellationToken ct) =>
        ReleaseListings.Parse((await RunAsync(ReleaseCommands.List(_path), ct).ConfigureAwait(false)).Output);

    public Task AppendAuditAsync(AuditEntry entry, CancellationToken ct) => RunAsync(ReleaseCommands.AppendAudit(_path, ReleaseJson.Line(entry)), ct);

    public async Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(CancellationToken ct) =>
        ReleaseJson.Lines<AuditEntry>((await _vm.RunAsync(ReleaseCommands.ReadAudit(_path), Quick, ct).ConfigureAwait(false)).Output);

    /// <summary>Removes what <see cref="ReleasePruning.Removable"/> lets go (and any half-written release); returns the
    /// removed ones.</summary>
    public async Task<IReadOnlyList<ReleaseInfo>> PruneAsync(int keepHealthy, CancellationToken ct)
    {
        var removed = ReleasePruning.Removable(await ListAsync(ct).ConfigureAwait(false), keepHealthy);
        await RunAsync(ReleaseCommands.Prune(_path, removed.Select(r => r.Id)), ct).ConfigureAwait(false);
        return removed;
    }

    private async Task<RemoteCommandResult> RunAsync(string command, CancellationToken ct) =>
        (await _vm.RunAsync(command, Quick, ct).ConfigureAwait(false)).EnsureSuccess();
}
