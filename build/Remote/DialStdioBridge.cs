using System.Net.Sockets;
using Renci.SshNet;

namespace Mlstack.Build.Remote;

/// <summary>The VM's Docker Engine on a local unix socket. Docker.DotNet opens many connections at once (an event
/// stream, a streaming exec per container in SmokeTest, idle ones kept in its pool), and one <c>docker system
/// dial-stdio</c> channel carries exactly one. sshd allows ten channels per SSH connection (MaxSessions), so the
/// bridge keeps SSH connections of its own — opened like the session's, the host key judged the same way — and
/// spreads the channels over them, as the docker CLI does by starting one ssh per connection. The session's own
/// connection stays free for commands (the deploy lock, compose). The socket lives in a private 0700 temp folder:
/// only we can reach the VM's engine through it.</summary>
internal sealed class DialStdioBridge : IDisposable
{
    /// <summary>Channels per connection: below MaxSessions, because ended channels take a moment to be freed.</summary>
    private const int ChannelsPerConnection = 8;
    private const int MaxConnections = 6;

    private readonly Func<CancellationToken, Task<SshClient>> _connect;
    private readonly Action<Exception> _connectionLost;
    private readonly Socket _listener;
    private readonly string _directory;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly Lock _gate = new();
    private readonly List<Carrier> _carriers = [];
    private readonly SemaphoreSlim _connecting = new(1);

    /// <param name="connect">Opens one more verified SSH connection to the VM.</param>
    /// <param name="connectionLost">Told when one of the bridge's connections breaks: the session counts it as its own.</param>
    public DialStdioBridge(Func<CancellationToken, Task<SshClient>> connect, Action<Exception> connectionLost)
    {
        (_connect, _connectionLost) = (connect, connectionLost);
        _directory = Directory.CreateTempSubdirectory("mlstack-engine-").FullName;
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var socketPath = Path.Combine(_directory, "docker.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(64);
        Endpoint = new Uri($"unix://{socketPath}");
        _accepting = Task.Run(AcceptAsync);
    }

    public Uri Endpoint { get; }

    private sealed class Carrier(SshClient client)
    {
        public SshClient Client { get; } = client;
        public int Open { get; set; }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => BridgeAsync(connection));
        }
    }

    private async Task BridgeAsync(Socket connection)
    {
        using var local = new NetworkStream(connection, ownsSocket: true);
        var carrier = await TakeChannelAsync().ConfigureAwait(false);
        if (carrier == null)
            return; // no connection to the VM: the connection ends, and Docker.DotNet sees it closed
        try
        {
            var (command, execution) = await OpenChannelAsync(carrier.Client).ConfigureAwait(false);
            if (command == null || execution == null)
                return;
            using (command)
                await PumpAsync(connection, local, command, execution).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
                carrier.Open--;
        }
    }

    private async Task PumpAsync(Socket connection, NetworkStream local, SshCommand command, Task execution)
    {
        var engineDone = false;
        try
        {
            var toEngine = Task.Run(async () =>
            {
                await local.CopyToAsync(command.CreateInputStream(), _stop.Token).ConfigureAwait(false);
                // Docker.DotNet is done with this connection (it never half-closes one: we attach no stdin). Unless
                // the engine already ended it, close the channel, which SSH.NET does under its lock (EOF, then
                // CLOSE). Not a half-close by disposing the input stream: SendEof checks the channel outside that
                // lock, and an EOF sent after our reply to the VM's own CLOSE makes sshd drop the whole connection
                // ("ieof packet referred to nonexistent channel") — and every channel on it.
                // SSH.NET then blocks until the VM answers the close: on a thread of its own, not the pool's, which
                // twenty such waits at once (SmokeTest's checks) would starve.
                if (!Volatile.Read(ref engineDone))
                    await Task.Factory.StartNew(command.Dispose, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
            });
            // SSH.NET's output stream only reads synchronously (ReadAsync would park a pool thread per connection,
            // and thirty held connections starve the pool for seconds): a thread of its own per connection.
            await Task.Factory.StartNew(() => command.OutputStream.CopyTo(local), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
            Volatile.Write(ref engineDone, true);
            connection.Shutdown(SocketShutdown.Send);
            await Task.WhenAll(toEngine, execution).ConfigureAwait(false);
        }
        // InvalidOperationException is SSH.NET's: a channel that is closed, or not open yet, when either side went away.
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException
            or Renci.SshNet.Common.SshException or InvalidOperationException)
        {
            // Either side went away; the connection ends and Docker.DotNet sees a closed connection, as with a socket.
        }
    }

    /// <summary>A connection with a free channel: the least busy live one, or a new one while there are fewer than
    /// <see cref="MaxConnections"/>; else waits for a channel to end.</summary>
    private async Task<Carrier?> TakeChannelAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            lock (_gate)
            {
                _carriers.RemoveAll(c => !c.Client.IsConnected && c.Open == 0 && Dispose(c));
                var free = _carriers.Where(c => c.Client.IsConnected && c.Open < ChannelsPerConnection).MinBy(c => c.Open);
                if (free != null)
                {
                    free.Open++;
                    return free;
                }
            }

            if (!await GrowAsync().ConfigureAwait(false))
                await Task.Delay(100).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>Opens one more connection unless another call is already doing it or the pool is full.</summary>
    private async Task<bool> GrowAsync()
    {
        if (!await _connecting.WaitAsync(0).ConfigureAwait(false))
            return false;
        try
        {
            lock (_gate)
                if (_carriers.Count(c => c.Client.IsConnected) >= MaxConnections)
                    return false;
            var client = await _connect(_stop.Token).ConfigureAwait(false);
            client.ErrorOccurred += (_, e) => _connectionLost(e.Exception);
            lock (_gate)
                _carriers.Add(new Carrier(client));
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _connectionLost(e);
            await Task.Delay(1000).ConfigureAwait(false);
            return false;
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <summary>A channel just freed on the VM can still be refused for a moment; SSH.NET opens the channel inside
    /// ExecuteAsync (a refusal throws there, before any byte moves), so a refused open is retried for a few seconds.</summary>
    private async Task<(SshCommand? Command, Task? Execution)> OpenChannelAsync(SshClient client)
    {
        for (var attempt = 0; !_stop.IsCancellationRequested; attempt++)
        {
            var command = client.CreateCommand("docker system dial-stdio");
            try
            {
                return (command, command.ExecuteAsync(_stop.Token));
            }
            // InvalidOperationException is SSH.NET's: the channel could not be opened (or is already closed).
            catch (Exception e) when (e is Renci.SshNet.Common.SshException or InvalidOperationException && attempt < 40 && client.IsConnected)
            {
                command.Dispose();
                await Task.Delay(250).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Renci.SshNet.Common.SshException or InvalidOperationException or ObjectDisposedException)
            {
                command.Dispose();
                return (null, null);
            }
        }

        return (null, null);
    }

    private static bool Dispose(Carrier carrier)
    {
        carrier.Client.Dispose();
        return true;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _accepting.Wait(TimeSpan.FromSeconds(5));
        lock (_gate)
        {
            foreach (var carrier in _carriers)
                carrier.Client.Dispose();
            _carriers.Clear();
        }

        _stop.Dispose();
        _connecting.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
