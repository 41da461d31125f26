using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mlstack.Tests.Support;

/// <summary>A real HTTP/1.1 server on loopback (keep-alive, "200 ok" to every request) that can be told to stall:
/// while stalled, it answers nothing; afterwards it answers everything that waited. It can also be told to answer
/// another status for a while, as a proxy whose upstream is gone answers 502.</summary>
internal sealed class StallingHttpServer : TcpTestServer
{
    private static readonly byte[] Response = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok");
    private long _stallUntilTicks;
    private volatile Answer? _override;

    /// <param name="address">Loopback by default; <see cref="IPAddress.Any"/> for a container to reach it (host-gateway).</param>
    public StallingHttpServer(IPAddress? address = null)
        : base(address ?? IPAddress.Loopback, backlog: 512)
    {
    }

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public void StallFor(TimeSpan duration) => Interlocked.Exchange(ref _stallUntilTicks, DateTime.UtcNow.Add(duration).Ticks);

    /// <summary>Every request answered from now until <paramref name="duration"/> has passed gets this status.</summary>
    public void AnswerFor(int status, TimeSpan duration) =>
        _override = new(Encoding.ASCII.GetBytes($"HTTP/1.1 {status} Status {status}\r\nContent-Length: 0\r\n\r\n"), DateTime.UtcNow.Add(duration));

    protected override async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffer = new byte[8192];
            var filled = 0;
            try
            {
                while (!Stop.IsCancellationRequested)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(filled), Stop.Token);
                    if (read == 0)
                        return;
                    filled += read;
                    int end;
                    while ((end = IndexOfHeaderEnd(buffer, filled)) >= 0)
                    {
                        // a body (a POST's JSON) belongs to its request: answer once all of it is here, then drop it,
                        // so it is not read as the start of the next request
                        var length = end + ContentLength(buffer, end);
                        if (filled < length)
                            break;
                        var wait = new DateTime(Interlocked.Read(ref _stallUntilTicks), DateTimeKind.Utc) - DateTime.UtcNow;
                        if (wait > TimeSpan.Zero)
                            await Task.Delay(wait, Stop.Token);
                        var answer = _override is { } o && DateTime.UtcNow < o.Until ? o.Bytes : Response;
                        await stream.WriteAsync(answer, Stop.Token);
                        Buffer.BlockCopy(buffer, length, buffer, 0, filled - length);
                        filled -= length;
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                // client went away or the server is stopping
            }
        }
    }

    private static int IndexOfHeaderEnd(byte[] buffer, int length)
    {
        for (var i = 3; i < length; i++)
        {
            if (buffer[i - 3] == '\r' && buffer[i - 2] == '\n' && buffer[i - 1] == '\r' && buffer[i] == '\n')
                return i + 1;
        }

        return -1;
    }

    private static int ContentLength(byte[] buffer, int headerLength)
    {
        foreach (var line in Encoding.ASCII.GetString(buffer, 0, headerLength).Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                return int.Parse(line.AsSpan("Content-Length:".Length), System.Globalization.CultureInfo.InvariantCulture);
        }

        return 0;
    }

    private sealed record Answer(byte[] Bytes, DateTime Until);
}
