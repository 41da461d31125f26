using Mlstack.Build.Core;

namespace Mlstack.Build.Deploy;

/// <summary>The release did not go live: it failed (its gates, its smoke test, or its switch), and the VM is back on
/// the last good release, or stopped when there is none.</summary>
public sealed class ReleaseFailedException(string message, Exception? inner = null) : BuildFailure(message, inner);

/// <summary>A release failed, and returning to the last good release failed too: the VM needs a look.</summary>
public sealed class RollbackFailedException(string message, Exception inner) : BuildFailure(message, inner);
