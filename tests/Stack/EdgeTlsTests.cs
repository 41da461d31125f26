using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mlstack.Build.Doctor;
using Mlstack.Build.Images;
using Mlstack.Build.Smoke;
using Mlstack.Build.Stack;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Stack;

/// <summary>The edge's HTTPS for real, at the cost of one container: this checkout's edge image alone (as compose runs
/// it: read-only root, no capability, its tmpfs, the certificate folder the build writes mounted read-only with the
/// key 0440), with a certificate of a throwaway CA. Its routes' upstreams resolve to loopback: /healthz is answered by
/// the edge itself, which is all the TLS in front of it needs.</summary>
[Trait(TestTiers.Trait, TestTiers.Integration)]
[Collection(FixtureStacks.Name)]
public sealed class EdgeTlsTests : IAsyncLifetime
{
    private const string PublishedHttpsPort = "9443";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly TestCertificateAuthority _ca = new();
    private readonly TempRoot _root = new();
    private string? _container;
    private string _tlsFolder = "";
    private int _httpPort;
    private int _httpsPort;

    public async ValueTask InitializeAsync()
    {
        await Prerequisites.RequireEngineAsync();
        using var engine = new ImageEngine(EngineProbe.Client(EngineProbe.Endpoint().Endpoint));
        var edge = (await CheckoutImages.FindAsync(engine, Ct)).Single(i => i.Spec.ShortName == "edge");
        _tlsFolder = Path.Combine(_root.Path, "edge-tls");
        Deliver(_ca.Issue(["127.0.0.1", "localhost"]));
        var run = await ChildProcess.RunAsync("docker", ["run", "-d", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true",
            "--tmpfs", "/tmp/nginx:mode=1777", "--tmpfs", "/tmp/edge:mode=1777", "--group-add", EdgeCertificateFiles.Group.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-e", "EDGE_TLS=on", "-e", $"EDGE_HTTPS_PORT={PublishedHttpsPort}", "--add-host", "ml-service:127.0.0.1", "--add-host", "frontend:127.0.0.1", "--add-host", "host.docker.internal:host-gateway",
            "-v", $"{Path.Combine(RepositoryRoot.Path, "stack", "config", "edge")}:/etc/mlstack/edge:ro", "-v", $"{_tlsFolder}:/etc/mlstack/tls:ro",
            "-p", "127.0.0.1::8080", "-p", "127.0.0.1::8443", "--label", "io.mlstack.test=edge-tls", edge.ImageId]);
        Assert.True(run.ExitCode == 0, run.Output);
        _container = run.Output.Trim().Split('\n')[^1];
        _httpPort = await PublishedAsync("8080");
        _httpsPort = await PublishedAsync("8443");
        for (var attempt = 0; ; attempt++)
        {
            var health = await ChildProcess.RunAsync("docker", ["exec", _container, "curl", "-fsS", "http://127.0.0.1:8080/healthz"]);
            if (health.ExitCode == 0)
                break;
            if (attempt == 50)
                Assert.Fail("the edge did not answer its healthcheck: " + (await ChildProcess.RunAsync("docker", ["logs", _container])).Output);
            await Task.Delay(200, Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_container != null)
            await ChildProcess.RunAsync("docker", ["rm", "-f", _container]);
        _ca.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task HTTP_redirects_to_HTTPS_but_healthz_and_HTTPS_answers_with_HSTS_for_the_CA_s_certificate()
    {
        using var plain = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var redirect = await plain.GetAsync($"http://127.0.0.1:{_httpPort}/studies?page=2", Ct);
        using var health = await plain.GetAsync($"http://127.0.0.1:{_httpPort}/healthz", Ct);
        using var https = new HttpClient(TrustingOnly(_ca.Root));
        using var secure = await https.GetAsync($"https://127.0.0.1:{_httpsPort}/healthz", Ct);

        Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
        Assert.Equal($"https://127.0.0.1:{PublishedHttpsPort}/studies?page=2", redirect.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, secure.StatusCode);
        Assert.Equal("ok\n", await secure.Content.ReadAsStringAsync(Ct));
        Assert.Equal("max-age=31536000", string.Join(",", secure.Headers.GetValues("Strict-Transport-Security")));
    }

    [Fact]
    public async Task Only_TLS_1_2_and_1_3_are_spoken()
    {
        var (tls12, _) = await HandshakeAsync(SslProtocols.Tls12);
        var (tls13, served) = await HandshakeAsync(SslProtocols.Tls13);

        Assert.Equal(SslProtocols.Tls12, tls12);
        Assert.Equal(SslProtocols.Tls13, tls13);
        // TLS 1.1 and 1.0, offered by hand (this machine's TLS library may refuse to offer them itself): the edge
        // answers with an alert, not a ServerHello.
        Assert.Equal("alert protocol_version", await OldHelloAnswerAsync(0x02));
        Assert.Equal("alert protocol_version", await OldHelloAnswerAsync(0x01));
        Assert.Null(EdgeCertificateCheck.Judge(served, new EdgeTlsExpectation(File.ReadAllText(Path.Combine(_tlsFolder, EdgeCertificateFiles.Chain)), "127.0.0.1"), DateTimeOffset.UtcNow).Failure);
    }

    [Fact]
    public async Task A_new_certificate_is_served_after_edge_reload_without_a_restart()
    {
        var before = (await HandshakeAsync(SslProtocols.Tls13)).Served;
        var started = (await ChildProcess.RunAsync("docker", ["inspect", "-f", "{{.State.StartedAt}}", _container!])).Output.Trim();
        var renewed = _ca.Issue(["127.0.0.1"], notAfter: DateTimeOffset.UtcNow.AddDays(200));
        Deliver(renewed);

        var reload = await ChildProcess.RunAsync("docker", ["exec", _container!, "edge", "reload"]);
        var after = (await HandshakeAsync(SslProtocols.Tls13)).Served;

        Assert.True(reload.ExitCode == 0, reload.Output);
        Assert.NotEqual(before.SerialNumber, after.SerialNumber);
        Assert.Equal(X509Certificate2.CreateFromPem(renewed.ChainPem).SerialNumber, after.SerialNumber);
        Assert.Equal(started, (await ChildProcess.RunAsync("docker", ["inspect", "-f", "{{.State.StartedAt}}", _container!])).Output.Trim());
    }

    /// <summary>The EdgeCertificate alerts read what the front serves on its metrics port: the expiry of the pair it
    /// holds now, renewed without a reload; an empty 200 (a healthy scrape, no series) once it holds none.</summary>
    [Fact]
    public async Task The_front_serves_the_certificate_s_expiry_to_Prometheus_and_nothing_without_one()
    {
        var renewed = _ca.Issue(["127.0.0.1"], notAfter: DateTimeOffset.UtcNow.AddDays(200));
        Deliver(renewed);
        var metrics = await MetricsAsync();
        Assert.True(metrics.ExitCode == 0, metrics.Output);
        var notAfter = X509Certificate2.CreateFromPem(renewed.ChainPem).NotAfter.ToUniversalTime();
        Assert.Contains($"{EdgeCertificateFiles.ExpiryMetricName} {new DateTimeOffset(notAfter).ToUnixTimeSeconds()}", metrics.Output);

        File.Delete(Path.Combine(_tlsFolder, EdgeCertificateFiles.Expiry));
        var none = await MetricsAsync();
        Assert.True(none.ExitCode == 0, none.Output);
        Assert.DoesNotContain(EdgeCertificateFiles.ExpiryMetricName, none.Output);
    }

    /// <summary>A stop (the edge recreated by a release, Down) lets the request in flight finish: both nginx quit
    /// gracefully, where nginx's own TERM would cut it.</summary>
    [Fact]
    public async Task A_stopped_edge_finishes_the_request_in_flight_and_exits_by_itself()
    {
        await using var upstream = new StallingHttpServer(IPAddress.Any);
        var route = await ChildProcess.RunAsync("docker", ["exec", _container!, "edge", "route", "ml_service", $"host.docker.internal:{upstream.Port}"]);
        Assert.True(route.ExitCode == 0, route.Output);
        upstream.StallFor(TimeSpan.FromSeconds(3));
        using var https = new HttpClient(TrustingOnly(_ca.Root));
        var inFlight = https.GetAsync($"https://127.0.0.1:{_httpsPort}/api/health", Ct);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);

        var stop = await ChildProcess.RunAsync("docker", ["stop", "-t", "20", _container!]);
        using var answer = await inFlight;

        Assert.True(stop.ExitCode == 0, stop.Output);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("ok", await answer.Content.ReadAsStringAsync(Ct));
        // Exited when its requests were done, not killed when the 20 s ran out (137).
        Assert.Equal("0", (await ChildProcess.RunAsync("docker", ["inspect", "-f", "{{.State.ExitCode}}", _container!])).Output.Trim());
    }

    private Task<ProcessResult> MetricsAsync() =>
        ChildProcess.RunAsync("docker", ["exec", _container!, "curl", "-fsS", $"http://127.0.0.1:{EdgeCertificateFiles.MetricsPort}/metrics"]);

    private void Deliver(TestCertificateAuthority.Issued issued)
    {
        var (cert, key) = issued.WriteTo(Path.Combine(_root.Path, "given"));
        EdgeCertificateFiles.Write(_tlsFolder, EdgeCertificate.Load(cert, key, DateTimeOffset.UtcNow));
    }

    private async Task<int> PublishedAsync(string port) =>
        int.Parse((await ChildProcess.RunAsync("docker", ["port", _container!, $"{port}/tcp"])).Output.Trim().Split('\n')[0].Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A client that trusts <paramref name="root"/> alone (and checks the name, as any client does).</summary>
    private static SocketsHttpHandler TrustingOnly(X509Certificate2 root) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, CustomTrustStore = { root }, RevocationMode = X509RevocationMode.NoCheck },
        },
    };

    private async Task<(SslProtocols Protocol, X509Certificate2 Served)> HandshakeAsync(SslProtocols protocol)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _httpsPort, Ct);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            EnabledSslProtocols = protocol,
            CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, CustomTrustStore = { _ca.Root }, RevocationMode = X509RevocationMode.NoCheck },
        }, Ct);
        return (tls.SslProtocol, X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData()));
    }

    /// <summary>What the edge answers a ClientHello of TLS 1.<paramref name="minor"/>-1 (0x01: TLS 1.0, 0x02: 1.1)
    /// offering the classic ECDHE and RSA AES-CBC suites: "alert protocol_version", "ServerHello", or what else.</summary>
    private async Task<string> OldHelloAnswerAsync(byte minor)
    {
        byte[] body = [0x03, minor, .. new byte[32], 0x00, 0x00, 0x06, 0xc0, 0x09, 0xc0, 0x13, 0x00, 0x2f, 0x01, 0x00];
        byte[] handshake = [0x01, 0x00, (byte)(body.Length >> 8), (byte)body.Length, .. body];
        byte[] record = [0x16, 0x03, 0x01, (byte)(handshake.Length >> 8), (byte)handshake.Length, .. handshake];
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _httpsPort, Ct);
        var stream = tcp.GetStream();
        await stream.WriteAsync(record, Ct);
        var answer = new byte[7];
        var read = 0;
        while (read < answer.Length && await stream.ReadAsync(answer.AsMemory(read), Ct) is var n and > 0)
            read += n;
        return read switch
        {
            >= 7 when answer[0] == 0x15 && answer[6] == 70 => "alert protocol_version",
            >= 1 when answer[0] == 0x16 => "ServerHello",
            _ => $"{read} bytes: {Convert.ToHexString(answer, 0, read)}",
        };
    }
}
