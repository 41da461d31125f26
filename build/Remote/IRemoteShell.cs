namespace Mlstack.Build.Remote;

/// <summary>Commands on the VM: what modules that only run shell commands need of <see cref="SshSession"/>, so their
/// decisions can be unit-tested against a scripted shell.</summary>
public interface IRemoteShell
{
    SshTarget Target { get; }

    Task<RemoteCommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken ct = default);
}
