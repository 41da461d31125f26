namespace Mlstack.Build.Remote;

/// <summary>Commands on the VM: what modules that only run shell commands (and write files) need of
/// <see cref="SshSession"/>, so their decisions can be unit-tested against a scripted shell.</summary>
public interface IRemoteShell
{
    SshTarget Target { get; }

    Task<RemoteCommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken ct = default);

    /// <summary>Writes <paramref name="content"/> to <paramref name="remotePath"/> atomically with <paramref name="mode"/>;
    /// missing folders are created 0700.</summary>
    Task UploadAsync(ReadOnlyMemory<byte> content, string remotePath, UnixFileMode mode, TimeSpan? timeout = null, CancellationToken ct = default);

    /// <summary>Whether the connection still carries commands: after a failure, tells a lost connection from a step
    /// that failed on its own.</summary>
    Task<bool> IsAliveAsync();
}
