using System.Net.Http.Json;
using Mlstack.Build.Remote;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Deploy;

/// <summary>What the whole-stack scenarios on a fixture VM share: the stack's settings as a user writes them,
/// ./build.sh against the VM with its pinned host key, an SSH session for looking inside, and reading the output.</summary>
/// <param name="selfSigned">HTTPS with --self-signed (the build makes the certificate) instead of a test CA's.</param>
internal sealed class VmStackDriver(TestVm vm, bool selfSigned = false)
{
    public const string Port = "18081";

    /// <summary>Where the VM's edge redirects plain HTTP to HTTPS at <see cref="Port"/>.</summary>
    public const string HttpPort = "18091";

    private readonly string _secret = Guid.NewGuid().ToString("N");

    /// <summary>The stack serves HTTPS with a certificate for the VM's address from this throwaway CA, given to every
    /// build.sh run as an operator gives it (--tls-cert, --tls-key); clients here trust the CA alone.</summary>
    private readonly Lazy<(TestCertificateAuthority Ca, string Cert, string Key)> _tls = new(() =>
    {
        var ca = new TestCertificateAuthority("mlstack deploy test CA");
        var (cert, key) = ca.Issue([vm.Address]).WriteTo(Path.GetFullPath(Path.Combine(vm.PrivateRoot, "..", "tls")));
        return (ca, cert, key);
    });

    /// <summary>What clients here trust: the test CA, or (once a deploy made it) the build's self-signed certificate,
    /// kept under the checkout's .nuke/temp.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2 TrustedRoot => selfSigned
        ? System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(
            Path.Combine(RepositoryRoot.Path, ".nuke", "temp", "edge-tls", "self-signed", vm.Address, Mlstack.Build.Stack.EdgeCertificateFiles.Chain)))
        : _tls.Value.Ca.Root;

    public string CertificateFile => _tls.Value.Cert;

    public string KeyFile => _tls.Value.Key;

    /// <summary>The stack's address: HTTPS at <see cref="Port"/>.</summary>
    public Uri BaseUri => new($"https://{vm.Address}:{Port}");

    /// <summary>The random part of every secret in the settings: no output may contain it.</summary>
    public string Secret => _secret;

    public string BackupPassword => $"bk-{_secret}";

    public string ReleasesFolder => Path.Combine(vm.PrivateSrv, "mlstack", "releases");

    /// <summary>The VM's stack through its edge (HTTPS, trusting the test CA), with the env file's API token (its
    /// writes need one).</summary>
    public HttpClient Http() => new(TrafficProbe.Trusting(TrustedRoot))
    {
        BaseAddress = BaseUri,
        DefaultRequestHeaders = { Authorization = new("Bearer", $"api-{_secret}") },
    };

    public string EnvFile(string name, string extra = "")
    {
        var path = Path.Combine(vm.PrivateRoot, "..", $"{name}.env");
        // FRONTEND_BIND so the VM's frontend answers at its address.
        File.WriteAllText(path, $"""
            {ProductionSettings(_secret)}
            FRONTEND_BIND=0.0.0.0
            FRONTEND_PORT={Port}
            FRONTEND_HTTP_PORT={HttpPort}
            {extra}
            """);
        return Path.GetFullPath(path);
    }

    /// <summary>Strong, unique values (the prod secret checks apply), the same in every release, as a user's would be.</summary>
    public static string ProductionSettings(string secret) => $"""
        POSTGRES_USER=mlstack_admin
        POSTGRES_PASSWORD=pg-{secret}
        APP_DB_USER=mlstack
        APP_DB_PASSWORD=app-{secret}
        APP_DB_NAME=mlstack
        OPTUNA_DB_NAME=optuna
        REDIS_PASSWORD=redis-{secret}
        S3_ACCESS_KEY_ID=mlstack-vm
        S3_SECRET_ACCESS_KEY=s3-{secret}
        API_TOKEN=api-{secret}
        """;

    public Task<ProcessResult> BuildSh(params string[] args) => BuildSh(args, vm.KnownHostsLine);

    public Task<ProcessResult> BuildSh(string[] args, string knownHostsLine)
    {
        var knownHosts = Path.Combine(vm.PrivateRoot, "..", $"known_hosts-{Guid.NewGuid():N}");
        File.WriteAllText(knownHosts, knownHostsLine.Replace("10.0.0.9", vm.Address, StringComparison.Ordinal) + "\n");
        return ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"),
            [.. args, "--host", $"root@{vm.Address}", "--ssh-key", vm.ClientKeyPath, "--known-hosts", knownHosts, "--project-name", "mlstackvm",
                .. (selfSigned ? ["--self-signed"] : new[] { "--tls-cert", CertificateFile, "--tls-key", KeyFile })],
            timeout: TimeSpan.FromMinutes(20));
    }

    public Task<SshSession> ConnectAsync(CancellationToken ct) =>
        SshSession.ConnectAsync(vm.Target, HostKeyTrust.Pinned(vm.HostKeyFingerprint), vm.ClientKeyPath, ct);

    public static string LiveRelease(string output) =>
        System.Text.RegularExpressions.Regex.Match(output, @"Deploy: release (\S+) is live on").Groups[1].Value is { Length: > 0 } id ? id
            : throw new Xunit.Sdk.XunitException("no 'Deploy: release … is live' line in:\n" + output);

    public static async Task<string> HealthAsync(HttpClient http, CancellationToken ct) =>
        (await http.GetFromJsonAsync<HealthAnswer>("/api/health", ct))!.Status;

    public static async Task<string> PsqlAsync(SshSession session, string sql, CancellationToken ct)
    {
        var command = $"docker exec -i $(docker ps -q --filter label=com.docker.compose.project=mlstackvm --filter label=com.docker.compose.service=postgres) sh -c 'psql -U \"$POSTGRES_USER\" -d mlstack -tA' <<'SQL'\n{sql}\nSQL";
        return (await session.RunAsync(command, TimeSpan.FromSeconds(30), ct)).EnsureSuccess().Output;
    }

    private sealed record HealthAnswer(string Status);
}
