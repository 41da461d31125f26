using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Backup;

/// <summary>A real S3 server for an s3: repository: the stack's own object store (s3rver) serving HTTPS with a
/// certificate of a throwaway CA (written to <see cref="CaCertificatePath"/>), on a published port of the engine's
/// host, reached by helpers on any network through the default bridge's gateway. Removed by its id.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // the key file is created 0600
internal sealed class TlsS3Server : IAsyncDisposable
{
    public const string AccessKeyId = "offsite-test";
    public const string SecretAccessKey = "Offsite-S3-Secret-4f7Q";
    public const string Bucket = "backups";

    private const string Script = """
        const S3rver = require('s3rver'), Account = require('s3rver/lib/models/account'), fs = require('fs');
        Account.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
        Account.DUMMY_ACCOUNT.createKeyPair(process.env.KEY_ID, process.env.SECRET);
        new S3rver({ address: '0.0.0.0', port: 9443, directory: '/tmp/s3', silent: true, vhostBuckets: false,
          key: fs.readFileSync('/tls/key.pem'), cert: fs.readFileSync('/tls/cert.pem'), configureBuckets: [{ name: process.env.BUCKET }] })
          .run().then(() => console.log('listening'));
        """;

    private readonly string _directory;
    private readonly string? _container;

    private TlsS3Server(string directory, string? container, string endpoint)
    {
        _directory = directory;
        _container = container;
        Endpoint = endpoint;
    }

    /// <summary>https://gateway:port</summary>
    public string Endpoint { get; }

    public string CaCertificatePath => Path.Combine(_directory, "cert.pem");

    public static async Task<TlsS3Server> StartAsync()
    {
        var gateway = await BridgeGatewayAsync();
        var directory = Directory.CreateTempSubdirectory("mlstack-s3-tls-").FullName;
        string? container = null;
        try
        {
            WriteCertificate(directory, gateway);
            // As root in the container: the key stays 0600, readable by its owner only.
            var run = await ChildProcess.RunAsync("docker", ["run", "-d", "--user", "0", "-p", "9443", "-v", $"{directory}:/tls:ro",
                "-e", $"KEY_ID={AccessKeyId}", "-e", $"SECRET={SecretAccessKey}", "-e", $"BUCKET={Bucket}",
                "--entrypoint", "node", "mlstack/objectstore:latest", "-e", Script]);
            Assert.True(run.ExitCode == 0, run.Output);
            container = run.Output.Trim().Split('\n')[^1];
            var port = (await ChildProcess.RunAsync("docker", ["port", container, "9443/tcp"])).Output.Trim().Split('\n')[0].Split(':')[^1];
            for (var attempt = 0; attempt < 50 && !(await ChildProcess.RunAsync("docker", ["logs", container])).Output.Contains("listening", StringComparison.Ordinal); attempt++)
                await Task.Delay(200);
            return new TlsS3Server(directory, container, $"https://{gateway}:{port}");
        }
        catch
        {
            await new TlsS3Server(directory, container, string.Empty).DisposeAsync();
            throw;
        }
    }

    /// <summary>The default bridge's gateway: the engine's host as its containers see it. The engine names it, or
    /// (Docker 20.10 often does not) it is the subnet's first address.</summary>
    private static async Task<IPAddress> BridgeGatewayAsync()
    {
        var config = (await ChildProcess.RunAsync("docker", ["network", "inspect", "bridge", "-f", "{{json .IPAM.Config}}"])).Output.Trim().Split('\n')[^1];
        var first = JsonDocument.Parse(config).RootElement[0];
        if (first.TryGetProperty("Gateway", out var gateway) && IPAddress.TryParse(gateway.GetString(), out var named))
            return named;
        var subnet = IPAddress.Parse(first.GetProperty("Subnet").GetString()!.Split('/')[0]).GetAddressBytes();
        subnet[^1] += 1;
        return new IPAddress(subnet);
    }

    private static void WriteCertificate(string directory, IPAddress address)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=mlstack offsite test CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(address);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        File.WriteAllText(Path.Combine(directory, "cert.pem"), certificate.ExportCertificatePem());
        using var keyFile = new StreamWriter(new FileStream(Path.Combine(directory, "key.pem"), new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }));
        keyFile.Write(key.ExportPkcs8PrivateKeyPem());
    }

    public async ValueTask DisposeAsync()
    {
        if (_container != null)
            await ChildProcess.RunAsync("docker", ["rm", "-f", _container]);
        Directory.Delete(_directory, recursive: true);
    }
}
