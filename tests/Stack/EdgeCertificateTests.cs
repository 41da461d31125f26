using Mlstack.Build.Core;
using Mlstack.Build.Smoke;
using Mlstack.Build.Stack;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Stack;

/// <summary>The operator's certificate and key, checked before anything starts; the parameters' modes; the files the
/// edge reads; and SmokeTest's judge of what the edge serves — all with a throwaway CA made here.</summary>
public sealed class EdgeCertificateTests : IDisposable
{
    private readonly TestCertificateAuthority _ca = new();
    private readonly TempRoot _root = new();

    public void Dispose()
    {
        _ca.Dispose();
        _root.Dispose();
    }

    private static DateTimeOffset Now => DateTimeOffset.UtcNow;

    [Fact]
    public void A_certificate_and_its_key_load_with_the_chain_as_given()
    {
        var (cert, key) = _ca.Issue(["ml.example.com"]).WriteTo(_root.Path);

        var loaded = EdgeCertificate.Load(cert, key, Now);

        Assert.Equal("CN=ml.example.com", loaded.Leaf.Subject);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(loaded.ChainPem, "BEGIN CERTIFICATE"));
        Assert.InRange((loaded.NotAfter - Now).TotalDays, 89, 90);
    }

    [Fact]
    public void The_chain_may_be_given_as_text_and_the_key_as_text_as_CI_hands_them_over()
    {
        var issued = _ca.Issue(["ml.example.com"]);
        var other = _ca.Issue(["ml.example.com"]);

        var loaded = EdgeCertificate.Load(issued.ChainPem, issued.KeyPem, "--tls-private-key", Now);
        var error = Assert.Throws<BuildInputException>(() => EdgeCertificate.Load(issued.ChainPem, other.KeyPem, "--tls-private-key", Now));

        Assert.Equal("CN=ml.example.com", loaded.Leaf.Subject);
        Assert.StartsWith("--tls-private-key does not match the certificate in --tls-cert (PEM text)", error.Message);
        Assert.DoesNotContain("PRIVATE KEY", error.Message);
    }

    [Fact]
    public void A_key_of_another_certificate_is_refused_naming_both_files()
    {
        var (cert, _) = _ca.Issue(["ml.example.com"]).WriteTo(_root.Path, "one");
        var (_, otherKey) = _ca.Issue(["ml.example.com"]).WriteTo(_root.Path, "two");

        var error = Assert.Throws<BuildInputException>(() => EdgeCertificate.Load(cert, otherKey, Now));

        Assert.Equal($"--tls-key {otherKey} does not match the certificate in --tls-cert {cert} (its first certificate, CN=ml.example.com); give the key it was issued for.", error.Message);
    }

    [Fact]
    public void An_expired_certificate_is_refused_with_its_date()
    {
        var (cert, key) = _ca.Issue(["ml.example.com"], Now.AddDays(-100), Now.AddDays(-1)).WriteTo(_root.Path);

        var error = Assert.Throws<BuildInputException>(() => EdgeCertificate.Load(cert, key, Now));

        Assert.StartsWith($"--tls-cert {cert}: the certificate expired on {Now.AddDays(-1):yyyy-MM-dd}", error.Message);
    }

    [Fact]
    public void Files_that_are_not_PEM_or_not_there_are_named()
    {
        var (cert, key) = _ca.Issue(["ml.example.com"]).WriteTo(_root.Path);
        var garbage = Path.Combine(_root.Path, "garbage.pem");
        File.WriteAllText(garbage, "not a certificate\n");

        Assert.StartsWith($"--tls-cert {garbage}: no PEM certificate", Assert.Throws<BuildInputException>(() => EdgeCertificate.Load(garbage, key, Now)).Message);
        Assert.StartsWith($"--tls-key {garbage}: no PEM private key", Assert.Throws<BuildInputException>(() => EdgeCertificate.Load(cert, garbage, Now)).Message);
        Assert.StartsWith($"--tls-key {key}.missing: cannot read it", Assert.Throws<BuildInputException>(() => EdgeCertificate.Load(cert, key + ".missing", Now)).Message);
    }

    [Fact]
    public void Prod_refuses_without_an_answer_to_where_HTTPS_ends_and_dev_stays_plain_HTTP()
    {
        Assert.Equal(EdgeCertificateOptions.Refusal, Assert.Throws<BuildInputException>(() => new EdgeCertificateOptions(null, null, false, false).Mode(StackEnvironment.Prod)).Message);
        Assert.Equal("Refusing to start prod without HTTPS: give --tls-cert and --tls-key, --self-signed, or --tls-at-load-balancer.", EdgeCertificateOptions.Refusal);
        Assert.Equal(EdgeTlsMode.Off, new EdgeCertificateOptions(null, null, false, false).Mode(StackEnvironment.Dev));
        Assert.Equal(EdgeTlsMode.Certificate, new EdgeCertificateOptions("c", "k", false, false).Mode(StackEnvironment.Prod));
        Assert.Equal(EdgeTlsMode.SelfSigned, new EdgeCertificateOptions(null, null, true, false).Mode(StackEnvironment.Prod));
        Assert.Equal(EdgeTlsMode.LoadBalancer, new EdgeCertificateOptions(null, null, false, true).Mode(StackEnvironment.Prod));
        Assert.StartsWith("--tls-cert needs --tls-key", Assert.Throws<BuildInputException>(() => new EdgeCertificateOptions("c", null, false, false).Mode(StackEnvironment.Prod)).Message);
        Assert.StartsWith("Give one of", Assert.Throws<BuildInputException>(() => new EdgeCertificateOptions(null, null, true, true).Mode(StackEnvironment.Prod)).Message);
    }

    [Fact]
    public void At_a_load_balancer_plain_HTTP_listens_on_one_address_at_one_port()
    {
        var everywhere = new Dictionary<string, string> { ["FRONTEND_BIND"] = "0.0.0.0" };
        Assert.StartsWith("--tls-at-load-balancer: FRONTEND_BIND is '0.0.0.0'", Assert.Throws<BuildInputException>(() => EdgeCertificateOptions.ComposeVariables(EdgeTlsMode.LoadBalancer, everywhere, null, 33)).Message);

        var variables = EdgeCertificateOptions.ComposeVariables(EdgeTlsMode.LoadBalancer, new Dictionary<string, string> { ["FRONTEND_BIND"] = "10.0.0.5", ["FRONTEND_PORT"] = "8080" }, null, 33);

        Assert.Equal("off", variables["EDGE_TLS"]);
        Assert.Equal(("8080", "8080", "8080"), (variables["EDGE_FRONT_PORT"], variables["FRONTEND_PORT"], variables["FRONTEND_HTTP_PORT"]));
    }

    [Fact]
    public void With_a_certificate_the_edge_publishes_HTTPS_at_443_and_the_redirect_at_80_by_default()
    {
        var variables = EdgeCertificateOptions.ComposeVariables(EdgeTlsMode.Certificate, new Dictionary<string, string>(), "/srv/mlstack/tls", 1000);

        Assert.Equal(("on", "8443", "443", "80"), (variables["EDGE_TLS"], variables["EDGE_FRONT_PORT"], variables["FRONTEND_PORT"], variables["FRONTEND_HTTP_PORT"]));
        Assert.Equal(("/srv/mlstack/tls", "1000"), (variables[EdgeCertificateOptions.FolderVariable], variables["EDGE_TLS_GID"]));
    }

    [Fact]
    public void A_self_signed_certificate_covers_its_names_and_is_reused_while_it_has_a_month_left()
    {
        var made = EdgeCertificate.SelfSigned(["vm.example.com", "10.0.0.5"], Now);

        Assert.True(made.Leaf.MatchesHostname("vm.example.com"));
        Assert.True(made.Leaf.MatchesHostname("10.0.0.5"));
        Assert.Equal("CN=vm.example.com", made.Leaf.Subject.Split(',')[0]);
        Assert.NotNull(EdgeCertificate.Reuse(made.ChainPem, made.KeyPem, ["vm.example.com", "10.0.0.5"], Now));
        Assert.Null(EdgeCertificate.Reuse(made.ChainPem, made.KeyPem, ["other.example.com"], Now));
        Assert.Null(EdgeCertificate.Reuse(made.ChainPem, made.KeyPem, ["vm.example.com"], Now.AddDays(340)));
        Assert.Null(CheckWithSelf(made, "10.0.0.5").Failure);
        var local = EdgeCertificate.SelfSigned(["localhost", "127.0.0.1", "::1"], Now); // what Up here makes
        Assert.NotNull(EdgeCertificate.Reuse(local.ChainPem, local.KeyPem, ["localhost", "127.0.0.1", "::1"], Now));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void The_key_reaches_the_edge_s_folder_readable_by_owner_and_group_only()
    {
        var issued = _ca.Issue(["ml.example.com"]);
        var (cert, key) = issued.WriteTo(_root.Path);
        var folder = Path.Combine(_root.Path, "edge-tls");

        var hash = EdgeCertificateFiles.Write(folder, EdgeCertificate.Load(cert, key, Now));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead, File.GetUnixFileMode(Path.Combine(folder, EdgeCertificateFiles.Key)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(Path.Combine(folder, EdgeCertificateFiles.Chain)));
        Assert.Equal((UnixFileMode)0b111_101_000, File.GetUnixFileMode(folder));
        Assert.Equal(issued.KeyPem, File.ReadAllText(Path.Combine(folder, EdgeCertificateFiles.Key)));
        Assert.Equal(EdgeCertificateFiles.Hash(issued.ChainPem, issued.KeyPem), hash);
        Assert.Empty(Directory.GetFiles(folder, ".*"));

        EdgeCertificateFiles.Clear(folder);
        Assert.Null(EdgeCertificateFiles.ReadChain(folder));
    }

    [Fact]
    public void SmokeTest_passes_the_certificate_it_was_given_for_its_name()
    {
        var issued = _ca.Issue(["ml.example.com", "10.0.0.5"]);

        var verdict = Judge(issued, "10.0.0.5", Now);

        Assert.Equal((null, null), (verdict.Failure, verdict.Warning));
    }

    [Fact]
    public void SmokeTest_fails_a_certificate_for_another_name()
    {
        var verdict = Judge(_ca.Issue(["ml.example.com"]), "other.example.com", Now);

        Assert.Equal("a certificate for ml.example.com, not for other.example.com", verdict.Failure);
    }

    [Fact]
    public void SmokeTest_warns_13_days_before_expiry_and_fails_once_expired()
    {
        var issued = _ca.Issue(["ml.example.com"], Now.AddDays(-60), Now.AddDays(13).AddHours(1));

        var soon = Judge(issued, "ml.example.com", Now);
        var later = Judge(issued, "ml.example.com", Now.AddDays(14));
        var calm = Judge(issued, "ml.example.com", Now.AddDays(-2));

        Assert.Null(soon.Failure);
        Assert.StartsWith("the HTTPS certificate expires in 13 days", soon.Warning);
        Assert.StartsWith("a certificate that expired on", later.Failure);
        Assert.Equal((null, null), (calm.Failure, calm.Warning));
    }

    [Fact]
    public void SmokeTest_fails_another_certificate_than_the_one_given_and_a_chain_to_no_trusted_root()
    {
        var given = _ca.Issue(["ml.example.com"]);
        var served = _ca.Issue(["ml.example.com"]);
        using var otherCa = new TestCertificateAuthority("another CA");
        var stranger = otherCa.Issue(["ml.example.com"]);
        var withoutRoot = new EdgeTlsExpectation(stranger.ChainPem.Split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n", "ml.example.com");

        Assert.StartsWith("another certificate than the one it was given", EdgeCertificateCheck.Judge(Leaf(served), new EdgeTlsExpectation(given.ChainPem, "ml.example.com"), Now).Failure);
        Assert.StartsWith("a chain that does not validate", EdgeCertificateCheck.Judge(Leaf(stranger), withoutRoot, Now).Failure);
    }

    private static EdgeCertificateVerdict Judge(TestCertificateAuthority.Issued issued, string name, DateTimeOffset now) =>
        EdgeCertificateCheck.Judge(Leaf(issued), new EdgeTlsExpectation(issued.ChainPem, name), now);

    private static EdgeCertificateVerdict CheckWithSelf(EdgeCertificate certificate, string name) =>
        EdgeCertificateCheck.Judge(certificate.Leaf, new EdgeTlsExpectation(certificate.ChainPem, name), Now);

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 Leaf(TestCertificateAuthority.Issued issued) =>
        System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(issued.ChainPem);
}
