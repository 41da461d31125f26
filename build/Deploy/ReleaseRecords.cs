using Mlstack.Build.Core;

namespace Mlstack.Build.Deploy;

/// <summary>Who holds a VM's deploy lock, for the message a second deployer sees.</summary>
public sealed record LockHolder(string User, string Machine, string Release, DateTimeOffset Since);

/// <summary>One file of a release, relative to its folder.</summary>
public sealed record ReleaseFile(string RelativePath, byte[] Content, UnixFileMode Mode);

/// <summary>release.json. Images: reference (repository:content tag) → image id. Content: <see cref="ReleaseBundle.Hash"/> of its files; equal means the same release.</summary>
public sealed record ReleaseInfo(string Id, string GitSha, IReadOnlyDictionary<string, string> Images, string User, string Machine, DateTimeOffset Created, ReleaseStatus Status, string? Content = null);

public sealed record ReleaseListing(ReleaseInfo Release, bool IsCurrent, bool IsLastGood);

/// <summary>One line of the VM's audit log. It never holds a setting's value, so no secret can reach it.</summary>
public sealed record AuditEntry(string User, string Machine, string GitSha, string Release, IReadOnlyDictionary<string, string> Images, DateTimeOffset Start, DateTimeOffset End, AuditOutcome Outcome, string Reason);

/// <summary>Another deploy holds the VM's lock: nothing was changed.</summary>
public sealed class DeployLockedException(string message) : BuildFailure(message);
