using Mlstack.Build.Core;
using Mlstack.Build.Doctor;
using Mlstack.Build.Stack;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;
using YamlDotNet.Serialization;

namespace Mlstack.Tests.Stack;

/// <summary>The edge's published ports and TLS lines as the Compose CLI itself resolves them (`config`, no engine
/// work) for each answer to where HTTPS ends: dev unchanged; a certificate publishes HTTPS and the redirect; a load
/// balancer gets one plain port, compose merging the two identical mappings into one.</summary>
[Trait(TestTiers.Trait, TestTiers.Integration)]
public sealed class EdgeTlsComposeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dev_keeps_plain_HTTP_on_loopback_8080()
    {
        var (edge, network) = await EdgeAsync(StackEnvironment.Dev, []);

        Assert.Equal(["127.0.0.1:8080:8080/tcp"], Ports(network));
        Assert.False(edge.ContainsKey("group_add"));
    }

    [Fact]
    public async Task A_certificate_publishes_HTTPS_and_the_redirect_and_mounts_the_certificate_read_only()
    {
        var variables = EdgeCertificateOptions.ComposeVariables(EdgeTlsMode.Certificate, new Dictionary<string, string> { ["FRONTEND_BIND"] = "0.0.0.0" }, "/srv/mlstack/tls", 33);
        variables["FRONTEND_BIND"] = "0.0.0.0";

        var (edge, network) = await EdgeAsync(StackEnvironment.Prod, variables);

        Assert.Equal(["0.0.0.0:443:8443/tcp", "0.0.0.0:80:8080/tcp"], Ports(network).Order(StringComparer.Ordinal));
        Assert.Contains("/srv/mlstack/tls:/etc/mlstack/tls:ro", ((List<object>)edge["volumes"]).Select(v => v.ToString()));
        Assert.Equal(["33"], ((List<object>)edge["group_add"]).Select(g => g.ToString()));
        var environment = (Dictionary<object, object>)edge["environment"];
        Assert.Equal(("on", "443"), (environment["EDGE_TLS"].ToString(), environment["EDGE_HTTPS_PORT"].ToString()));
    }

    [Fact]
    public async Task At_a_load_balancer_one_plain_port_on_the_given_address()
    {
        var settings = new Dictionary<string, string> { ["FRONTEND_BIND"] = "10.0.0.5", ["FRONTEND_PORT"] = "8088" };
        var variables = EdgeCertificateOptions.ComposeVariables(EdgeTlsMode.LoadBalancer, settings, null, 33);
        variables["FRONTEND_BIND"] = "10.0.0.5";

        var (edge, network) = await EdgeAsync(StackEnvironment.Prod, variables);

        Assert.Equal(["10.0.0.5:8088:8080/tcp"], Ports(network));
        Assert.Equal("off", ((Dictionary<object, object>)edge["environment"])["EDGE_TLS"].ToString());
    }

    private static List<string> Ports(Dictionary<object, object> service) => [.. ((List<object>)service["ports"]).Select(p => p.ToString()!)];

    /// <summary>The edge and edge-net, which publishes the edge's ports (the edge joins its network).</summary>
    private static async Task<(Dictionary<object, object> Edge, Dictionary<object, object> Network)> EdgeAsync(StackEnvironment environment, Dictionary<string, string> variables)
    {
        var log = new BuildLog(TextWriter.Null, new SecretMasker(), color: false);
        var cli = await ComposeProbe.FindAsync(log, ct: Ct);
        if (cli == null)
            Prerequisites.Missing("No Compose CLI; run ./build.sh Doctor first.");
        var root = RepositoryRoot.Path;
        var project = ComposeProject.ForStack(root, "mlstacktlsconfig", environment, Path.Combine(root, "stack", ".env.example"), cli!);
        var result = await ChildProcess.RunAsync(project.Cli.File, project.Arguments("config"), variables.ToDictionary(v => v.Key, v => (string?)v.Value), project.Directory);
        Assert.True(result.ExitCode == 0, result.Output);
        var config = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(result.Output[result.Output.IndexOf("services:", StringComparison.Ordinal)..]);
        var services = (Dictionary<object, object>)config["services"];
        var edge = (Dictionary<object, object>)services["edge"];
        Assert.False(edge.ContainsKey("ports"));
        Assert.Equal("service:edge-net", edge["network_mode"].ToString());
        return (edge, (Dictionary<object, object>)services["edge-net"]);
    }
}
