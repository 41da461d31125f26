namespace Mlstack.Build.Backup;

/// <summary>Where the restic repository is: a folder beside the engine, bound into the helper at /repo; or an
/// off-site <c>sftp:[user@]host:/path</c> (restic reaches it over SSH from the helper) or
/// <c>s3:https://host/bucket/path</c> (over HTTPS). restic keeps no files of ours there, so an off-site repository's
/// records (sizes, when verified) live in a folder beside the engine.</summary>
public sealed record ResticRepository(string Location, string? RecordsFolder = null)
{
    public bool IsOffsite => Location.StartsWith("sftp:", StringComparison.Ordinal) || IsS3;

    public bool IsS3 => Location.StartsWith("s3:", StringComparison.Ordinal);

    /// <summary>What the helper needs to reach it: binds, and for an off-site one its location and records.</summary>
    public IReadOnlyList<string> Binds => IsOffsite ? [$"{RecordsFolder}:/records"] : [$"{Location}:/repo"];

    public IReadOnlyDictionary<string, string> Environment => IsOffsite
        ? new Dictionary<string, string> { ["MLSTACK_REPOSITORY"] = Location, ["MLSTACK_RECORDS"] = "/records" }
        : new Dictionary<string, string>();

    /// <summary>True for a restic location (scheme:…) rather than a folder; a scheme other than sftp: and s3: is
    /// refused, and s3: over plain HTTP too (the keys and the data would cross the network readable).</summary>
    public static bool IsLocation(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 1 || value.StartsWith('/') || !value[..colon].All(char.IsAsciiLetterOrDigit) || !char.IsAsciiLetterLower(value[0]))
            return false;
        if (value.StartsWith("s3:http://", StringComparison.Ordinal))
            throw new Core.BuildInputException($"--backup-repository {value}: an s3: repository must be reached over https:// (s3:https://host/bucket/path; s3.amazonaws.com/bucket/path for AWS).");
        if (!value.StartsWith("sftp:", StringComparison.Ordinal) && !value.StartsWith("s3:", StringComparison.Ordinal))
            throw new Core.BuildInputException($"--backup-repository {value}: {value[..colon]}: repositories are not supported; use a folder, sftp:[user@]host:/path (an off-site copy over SSH) or s3:https://host/bucket/path.");
        return true;
    }
}
