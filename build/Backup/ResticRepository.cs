namespace Mlstack.Build.Backup;

/// <summary>Where the restic repository is: a folder beside the engine, bound into the helper at /repo; or an
/// off-site <c>sftp:[user@]host:/path</c> that restic reaches over SSH from the helper. restic keeps no files of
/// ours there, so an off-site repository's records (sizes, when verified) live in a folder beside the engine.</summary>
public sealed record ResticRepository(string Location, string? RecordsFolder = null)
{
    public bool IsOffsite => Location.StartsWith("sftp:", StringComparison.Ordinal);

    /// <summary>What the helper needs to reach it: binds, and for an off-site one its location and records.</summary>
    public IReadOnlyList<string> Binds => IsOffsite ? [$"{RecordsFolder}:/records"] : [$"{Location}:/repo"];

    public IReadOnlyDictionary<string, string> Environment => IsOffsite
        ? new Dictionary<string, string> { ["MLSTACK_REPOSITORY"] = Location, ["MLSTACK_RECORDS"] = "/records" }
        : new Dictionary<string, string>();

    /// <summary>True for a restic location (scheme:…) rather than a folder; a scheme other than sftp: is refused.</summary>
    public static bool IsLocation(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 1 || value.StartsWith('/') || !value[..colon].All(char.IsAsciiLetterLower))
            return false;
        if (!value.StartsWith("sftp:", StringComparison.Ordinal))
            throw new Host.BuildInputException($"--backup-repository {value}: {value[..colon]}: repositories are not supported; use a folder or sftp:[user@]host:/path (an off-site copy over SSH).");
        return true;
    }
}
