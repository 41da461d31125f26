using Docker.DotNet;
using Renci.SshNet;

namespace Mlstack.Build.Remote;

/// <summary>One verified SSH connection to the VM: commands with time limits, atomic uploads, the VM's Docker
/// Engine API and remote port forwards. The host key is judged before authentication, so a key we do not trust
/// stops everything before any command can run. Disposing closes every channel, bridge and forward it opened.</summary>
public sealed class SshSession : IRemoteShell, IDisposable, IAsyncDisposable
{
    private readonly SshClient _client;
    private readonly List<IDisposable> _owned = [];
    private readonly Lock _gate = new();
    private DialStdioBridge? _engineBridge;

    private readonly Func<CancellationToken, Task<SshClient>> _connectAgain;

    private SshSession(SshTarget target, SshClient client, string fingerprint, Func<CancellationToken, Task<SshClient>> connectAgain)
    {
        Target = target;
        _client = client;
        HostKeyFingerprint = fingerprint;
        _connectAgain = connectAgain;
        _client.ErrorOccurred += (_, e) => ConnectionError ??= e.Exception;
    }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Why the connection broke, if it did (SSH.NET reports it on an event, not to the call that fails next).</summary>
    public Exception? ConnectionError { get; private set; }

    public SshTarget Target { get; }

    /// <summary>The VM's host key as verified, <c>SHA256:…</c>.</summary>
    public string HostKeyFingerprint { get; }

    /// <summary>Connects, judging the host key before authentication; an untrusted key is a
    /// <see cref="HostKeyRejectedException"/>, an unreachable host or refused key a one-line input error.</summary>
    public static async Task<SshSession> ConnectAsync(SshTarget target, HostKeyTrust trust, string? keyFile = null, CancellationToken ct = default)
    {
        var (client, fingerprint) = await SshConnector.ConnectAsync(target, trust, keyFile, ct).ConfigureAwait(false);
        // More connections (the engine bridge's) must show the same key: pinned to the one just verified.
        var pinned = HostKeyTrust.Pinned(fingerprint);
        return new SshSession(target, client, fingerprint, async token => (await SshConnector.ConnectAsync(target, pinned, keyFile, token).ConfigureAwait(false)).Client);
    }

    /// <summary>Runs a POSIX sh command on the VM. Past <paramref name="timeout"/> (or on cancellation) the command is
    /// stopped on the VM and its channel closed; a timeout is an <see cref="SshCommandException"/>.</summary>
    public async Task<RemoteCommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken ct = default)
    {
        using var ssh = _client.CreateCommand(StoppableCommand.Wrap(command, timeout));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            var execution = ssh.ExecuteAsync(limit.Token);
            // Held open while we wait: its end is the VM-side guard's signal to stop the command.
            using (HoldInput(ssh))
                await execution.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SshCommandException($"'{RemoteCommandResult.Shorten(command)}' did not finish within {Describe(timeout)} on {Target.Host}; it was stopped.", null);
        }

        return new RemoteCommandResult(command, ssh.ExitStatus ?? -1, ssh.Result, ssh.Error);
    }

    /// <summary>The command's input, to hold open; null when the command has already ended (SSH.NET then refuses it
    /// with an InvalidOperationException, seen on a lock command that finished at once): there is nothing left to guard,
    /// and without the stream no end-of-input is ever sent.</summary>
    private static Stream? HoldInput(Renci.SshNet.SshCommand ssh)
    {
        try
        {
            return ssh.CreateInputStream();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Whether the connection still carries commands: after a failure, tells a lost connection (SSH.NET may
    /// not have noticed yet) from a step that failed on its own.</summary>
    public async Task<bool> IsAliveAsync()
    {
        if (!IsConnected || ConnectionError != null)
            return false;
        try
        {
            return (await RunAsync("true", TimeSpan.FromSeconds(10)).ConfigureAwait(false)).ExitCode == 0;
        }
        // InvalidOperationException is SSH.NET's, for a channel on a connection that is going away.
        catch (Exception e) when (e is SshCommandException or Renci.SshNet.Common.SshException or System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="remotePath"/> atomically (a temporary name in the
    /// same folder, then a rename) with <paramref name="mode"/>; missing folders are created 0700.</summary>
    public Task UploadAsync(Stream content, string remotePath, UnixFileMode mode, TimeSpan? timeout = null, CancellationToken ct = default) =>
        AtomicUpload.RunAsync(_client, content, remotePath, mode, timeout ?? TimeSpan.FromMinutes(2), ct);

    public async Task UploadAsync(ReadOnlyMemory<byte> content, string remotePath, UnixFileMode mode, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        using var stream = new MemoryStream(content.ToArray(), writable: false);
        await UploadAsync(stream, remotePath, mode, timeout, ct).ConfigureAwait(false);
    }

    /// <summary>A client for the VM's Docker Engine: each connection it opens is a <c>docker system dial-stdio</c>
    /// channel, on SSH connections of the bridge's own. The caller disposes the client; the bridge under it closes with this session.</summary>
    public DockerClient OpenEngine(TimeSpan? requestTimeout = null)
    {
        lock (_gate)
            _engineBridge ??= Own(new DialStdioBridge(_connectAgain, e => ConnectionError ??= e));
        return new DockerClientBuilder().WithEndpoint(_engineBridge.Endpoint).WithTimeout(requestTimeout ?? TimeSpan.FromMinutes(30)).Build();
    }

    /// <summary>Makes the VM's <c>localhost:remotePort</c> reach <c>localHost:localPort</c> on this machine until
    /// the returned handle (or this session) is disposed.</summary>
    public IDisposable ForwardRemotePort(int remotePort, string localHost, int localPort)
    {
        var port = new ForwardedPortRemote("localhost", (uint)remotePort, localHost, (uint)localPort);
        _client.AddForwardedPort(port);
        port.Start();
        return Own(new PortForward(_client, port));
    }

    /// <summary>A loopback port on this machine that reaches <paramref name="host"/>:<paramref name="port"/> as the VM
    /// sees it (a container's address on the VM's bridge, say), until the returned handle or this session is disposed.
    /// One connection through it at a time: an HTTP client uses <see cref="OneConnectionAtATime"/>.</summary>
    public (IDisposable Forward, int LocalPort) ForwardLocalPort(string host, int port)
    {
        var forward = new ForwardedPortLocal("127.0.0.1", 0, host, (uint)port);
        _client.AddForwardedPort(forward);
        forward.Start();
        return (Own(new PortForward(_client, forward)), (int)forward.BoundPort);
    }

    /// <summary>An HTTP handler for a local forward: SSH.NET's forward lost answers when connections through it
    /// overlapped ("The response ended prematurely", SshSessionTests), so requests share one connection, in turn.</summary>
    public static SocketsHttpHandler OneConnectionAtATime() => new() { MaxConnectionsPerServer = 1 };

    private T Own<T>(T resource)
        where T : IDisposable
    {
        lock (_gate)
            _owned.Add(resource);
        return resource;
    }

    internal static string Describe(TimeSpan time) => time.TotalSeconds < 120 ? $"{time.TotalSeconds:0.#} s" : $"{time.TotalMinutes:0.#} min";

    public void Dispose()
    {
        List<IDisposable> owned;
        lock (_gate)
            owned = [.. _owned];
        foreach (var resource in Enumerable.Reverse(owned))
            resource.Dispose();
        _client.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
