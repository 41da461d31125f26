using System.Net;
using System.Net.Sockets;

namespace Mlstack.Tests.Support;

/// <summary>A listener on an address of this machine that hands every connection to <see cref="ServeAsync"/> until
/// disposed: what the tests' small HTTP servers share.</summary>
internal abstract class TcpTestServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Task _accepting;

    protected TcpTestServer(IPAddress address, int backlog)
    {
        _listener = new TcpListener(address, 0);
        _listener.Start(backlog);
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Cancelled when the server is disposed.</summary>
    protected CancellationTokenSource Stop { get; } = new();

    protected abstract Task ServeAsync(TcpClient client);

    private async Task AcceptAsync()
    {
        while (!Stop.IsCancellationRequested)
        {
            try
            {
                var client = await _listener.AcceptTcpClientAsync(Stop.Token);
                _ = ServeAsync(client);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Stop.Dispose();
    }
}
