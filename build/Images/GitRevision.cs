using Mlstack.Build.Core;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Images;

/// <summary>What the images are built from: the commit (short sha, "-dirty" when the tree has changes), its time
/// (used as the images' created label so unchanged content gives identical images) and where it came from.</summary>
public sealed record GitRevision(string Sha, string ShortSha, bool Dirty, DateTimeOffset CommitTime, string Source)
{
    public string Tag => Dirty ? $"{ShortSha}-dirty" : ShortSha;

    public static async Task<GitRevision> ReadAsync(string root, BuildLog log, CancellationToken ct)
    {
        async Task<string?> Git(params string[] args)
        {
            var result = await ToolRunner.RunAsync("git", ["-C", root, .. args], log, Verbosity.Verbose, ct: ct).ConfigureAwait(false);
            return result.ExitCode == 0 ? result.Text.Trim() : null;
        }

        var sha = await Git("rev-parse", "HEAD").ConfigureAwait(false);
        if (sha == null)
            return new GitRevision("unknown", "dev", true, DateTimeOffset.UnixEpoch, root);
        var dirty = !string.IsNullOrEmpty(await Git("status", "--porcelain", "--untracked-files=normal").ConfigureAwait(false));
        var time = DateTimeOffset.Parse(await Git("log", "-1", "--format=%cI").ConfigureAwait(false) ?? "1970-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var source = await Git("config", "--get", "remote.origin.url").ConfigureAwait(false) ?? root;
        return new GitRevision(sha, sha[..7], dirty, time, source);
    }
}
