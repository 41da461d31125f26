using System.Net.Sockets;
using Renci.SshNet;

namespace Mlstack.Build.Remote;

/// <summary>The VM's Docker Engine on a local unix socket. Docker.DotNet opens several connections at once (an event
/// stream beside requests), and one <c>docker system dial-stdio</c> channel carries exactly one, so every accepted
/// connection gets its own channel. The socket lives in a private 0700 temp folder: only we can reach the VM's
/// engine through it.</summary>
internal sealed class DialStdioBridge : IDisposable
{
    private readonly SshClient _client;
    private readonly Socket _listener;
    private readonly string _directory;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public DialStdioBridge(SshClient client)
    {
        _client = client;
        _directory = Directory.CreateTempSubdirectory("mlstack-engine-").FullName;
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var socketPath = Path.Combine(_directory, "docker.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(32);
        Endpoint = new Uri($"unix://{socketPath}");
        _accepting = Task.Run(AcceptAsync);
    }

    public Uri Endpoint { get; }

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
        var (command, execution) = await OpenChannelAsync().ConfigureAwait(false);
        if (command == null || execution == null)
            return; // the VM gave us no channel: the connection ends, and Docker.DotNet sees it closed
        using (command)
        {
            try
            {
                var toEngine = Task.Run(async () =>
                {
                    // Closing the channel's input tells dial-stdio the client is done (half-close), as the docker CLI does.
                    using var input = command.CreateInputStream();
                    await local.CopyToAsync(input, _stop.Token).ConfigureAwait(false);
                });
                await command.OutputStream.CopyToAsync(local, _stop.Token).ConfigureAwait(false);
                connection.Shutdown(SocketShutdown.Send);
                await Task.WhenAll(toEngine, execution).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException
                or Renci.SshNet.Common.SshException or InvalidOperationException)
            {
                // Either side went away; the connection ends and Docker.DotNet sees a closed connection, as with a socket.
            }
        }
    }

    /// <summary>sshd allows ten session channels per connection (MaxSessions), and channels of connections that just
    /// ended take a moment to close: a new one can be refused meanwhile. SSH.NET opens the channel inside the call to
    /// ExecuteAsync (a refusal throws there, before any byte moves), so a refused open is retried for a few seconds.</summary>
    private async Task<(SshCommand? Command, Task? Execution)> OpenChannelAsync()
    {
        for (var attempt = 0; !_stop.IsCancellationRequested; attempt++)
        {
            var command = _client.CreateCommand("docker system dial-stdio");
            try
            {
                return (command, command.ExecuteAsync(_stop.Token));
            }
            catch (Exception e) when (e is Renci.SshNet.Common.SshException or InvalidOperationException && attempt < 40 && _client.IsConnected)
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

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _accepting.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
