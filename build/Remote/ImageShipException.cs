using Mlstack.Build.Core;

namespace Mlstack.Build.Remote;

/// <summary>Images could not be moved to the VM: one is not in the local engine, the VM lacks the disk for them, its
/// engine reported an error, a push or pull made no progress twice, or what arrived is not what was sent. A lost connection is a
/// <see cref="SshConnectionLostException"/> instead: running the step again is then the cure.</summary>
public sealed class ImageShipException(string message, Exception? inner = null) : BuildFailure(message, inner);
