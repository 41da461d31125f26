using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Mlstack.Tests.Support;

/// <summary>A webhook an operator would give Alertmanager: an HTTP/1.1 server on one address of this machine that
/// keeps every request's path and body and answers 200. Bound to the engine's bridge gateway, it is reachable from
/// containers (as host.docker.internal with extra_hosts: host-gateway) and from nothing outside this machine; bound
/// to a test VM's <see cref="TestVm.HostAddress"/>, from the VM's containers.</summary>
internal sealed class WebhookReceiver : TcpTestServer
{
    private static readonly byte[] Ok = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

    public WebhookReceiver(IPAddress address)
        : base(address, backlog: 16)
    {
    }

    /// <summary>(request target, body) of every request so far, in arrival order.</summary>
    public ConcurrentQueue<(string Target, string Body)> Requests { get; } = new();

    /// <summary>(alertname, what it is about: its volume, else its service) of every firing alert Alertmanager has
    /// sent so far; requests without a body (a reachability probe) are no notification.</summary>
    public IReadOnlyList<(string Alert, string About)> Firing() =>
        [.. Requests.Where(r => r.Body.Length > 0).SelectMany(r => FiringIn(r.Body))];

    /// <summary>Alertmanager's webhook payload: {"alerts": [{"status": "firing", "labels": {...}}, ...]}.</summary>
    private static IEnumerable<(string, string)> FiringIn(string body)
    {
        using var document = JsonDocument.Parse(body);
        return [.. document.RootElement.GetProperty("alerts").EnumerateArray()
            .Where(a => a.GetProperty("status").GetString() == "firing")
            .Select(a => a.GetProperty("labels"))
            .Select(l => (l.GetProperty("alertname").GetString()!, (l.TryGetProperty("volume", out var v) ? v : l.GetProperty("service")).GetString()!))];
    }

    protected override async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var received = new MemoryStream();
                var buffer = new byte[16384];
                while (true)
                {
                    var read = await stream.ReadAsync(buffer, Stop.Token);
                    if (read == 0)
                        return;
                    received.Write(buffer, 0, read);
                    var text = Encoding.UTF8.GetString(received.GetBuffer(), 0, (int)received.Length);
                    var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                    if (headerEnd < 0)
                        continue;
                    var headers = text[..headerEnd].Split("\r\n");
                    var length = headers.Where(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                        .Select(h => int.Parse(h["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
                    var bodyStart = Encoding.UTF8.GetByteCount(text[..(headerEnd + 4)]);
                    if (received.Length < bodyStart + length)
                        continue;
                    Requests.Enqueue((headers[0].Split(' ')[1], Encoding.UTF8.GetString(received.GetBuffer(), bodyStart, length)));
                    await stream.WriteAsync(Ok, Stop.Token);
                    return;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                // the sender went away, or the receiver is stopping
            }
        }
    }
}
