using Mlstack.Build.Core;

namespace Mlstack.Build.Deploy;

/// <summary>Who holds a VM's deploy lock, for the message a second deployer sees.</summary>
public sealed record LockHolder(string User, string Machine, string Release, DateTimeOffset Since);

/// <summary>One file of a release, relative to its folder.</summary>
public sealed record ReleaseFile(string RelativePath, byte[] Content, UnixFileMode Mode);

/// <summary>release.json. Status: pending, healthy, failed, interrupted. Images: reference (repository:content tag) →
/// image id. Content: <see cref="ReleaseBundle.Hash"/> of its files; equal means the same release.</summary>
public sealed record ReleaseInfo(string Id, string GitSha, IReadOnlyDictionary<string, string> Images, string User, string Machine, DateTimeOffset Created, string Status, string? Content = null);

public sealed record ReleaseListing(ReleaseInfo Release, bool IsCurrent, bool IsLastGood);

/// <summary>One line of the VM's audit log. Outcome: deployed, unchanged, rolled back, failed, rolled back by hand. It never
/// holds a setting's value, so no secret can reach it.</summary>
public sealed record AuditEntry(string User, string Machine, string GitSha, string Release, IReadOnlyDictionary<string, string> Images, DateTimeOffset Start, DateTimeOffset End, string Outcome, string Reason);

/// <summary>Another deploy holds the VM's lock.</summary>
public sealed class DeployLockedException(string message) : BuildFailure(message);
