using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Mlstack.Build.Doctor;
using Mlstack.Build.Images;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Stack;

/// <summary>An edge image change hands the published port over without refusing a connection, on a fixture stack of
/// this checkout's edge, edge-net and frontend images laid out as in compose.yaml: the new edge starts beside the old
/// in edge-net's network, both listen on the port (reuseport), and the old one quits gracefully. A new edge whose
/// router cannot start never listens, is removed, and the old one serves on. A probe sends 50 requests a second through
/// the published port throughout: none may fail. The hand-over starts as soon as what the edge needs has passed, while
/// a slow service that changed with the release is still starting.
/// In the system tier, in <see cref="EngineAlone"/>: after the VM classes, alone. Beside them its probe saw requests over
/// 2 s (2.7 s at most, none failed) while the VM classes were shipping images at the tier's start (2026-12-06).</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(EngineAlone.Name)]
public sealed class EdgeRolloutTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_new_edge_image_takes_the_port_beside_the_old_and_a_broken_one_never_takes_traffic()
    {
        await FixtureImage.EnsureAsync();
        using var images = new ImageEngine(EngineProbe.Client(EngineProbe.Endpoint().Endpoint));
        var built = await CheckoutImages.FindAsync(images, Ct);
        string Image(string name) => built.Single(i => i.Spec.ShortName == name).ImageId;
        var tag = "mlstackfx-edge:" + Guid.NewGuid().ToString("N")[..8];
        var next = await DerivedAsync(Image("edge"), $"{tag}-next", "LABEL io.mlstack.test.edge=next");
        // nginx refuses a directive it does not know: this edge's router never starts.
        var broken = await DerivedAsync(Image("edge"), $"{tag}-broken", "USER root\nRUN sed -i 's/^worker_processes auto;/worker_processes auto;\\nno_such_directive on;/' /etc/nginx/nginx.conf\nUSER www-data");
        var port = FreePort();
        try
        {
            await using var stack = await FixtureStack.CreateAsync(Compose(Image("frontend"), Image("edge-net"), ownNetwork: false), Env(Image("edge"), port));
            try
            {
                await RollAndFailAsync(stack, Image("frontend"), Image("edge-net"), next, broken, port);
            }
            finally
            {
                output.WriteLine(stack.Output);
            }
        }
        finally
        {
            // After the stack is down: an image a container uses cannot be removed.
            await ChildProcess.RunAsync("docker", ["rmi", next, broken]);
        }
    }

    private async Task RollAndFailAsync(FixtureStack stack, string frontend, string edgeNet, string next, string broken, int port)
    {
        // From an edge that published the port itself (before edge-net): moved into edge-net's network, once.
        await stack.UpAsync();
        File.WriteAllText(Path.Combine(stack.Directory, "compose.yaml"), Compose(frontend, edgeNet));
        await stack.UpAsync();
        Assert.Contains("Up: edge moves into edge-net's network, which owns the published port from now on", stack.Output);
        var before = await stack.Engine.SnapshotAsync(Ct);
        var network = before.Single(c => c.Service == "edge-net").Id;
        var oldEdge = before.Single(c => c.Service == "edge").Id;

        await using (var traffic = TrafficProbe.Start(new Uri($"http://127.0.0.1:{port}"), [ProbeRequest.Get("/"), ProbeRequest.Get("/healthz")], rate: 50))
        {
            await Task.Delay(2000, Ct);
            File.WriteAllText(Path.Combine(stack.Directory, ".env"), Env(next, port));
            var released = stack.Output.Length;
            var rolled = await stack.UpAsync();
            Assert.Single(rolled.Rollouts ?? []);
            await Task.Delay(2000, Ct);
            TrafficAssert.NoRequestDropped(await traffic.StopAsync(), "an edge image change", output);

            // The hand-over waits for what the edge needs, not for the slow service that changed with it.
            var release = stack.Output[released..];
            var handedOver = Regex.Match(release, @"Rollout: edge: \S+ healthy and taking connections");
            var slowReady = Regex.Match(release, @"slow\s+✓ healthy", RegexOptions.RightToLeft); // its new container's
            Assert.True(handedOver.Success && slowReady.Success && handedOver.Index < slowReady.Index,
                $"the new edge was not handed the port before the slow service was ready:\n{release}");
        }

        Assert.Matches(@"Rollout: edge: \S+ healthy and taking connections beside \S+ after [\d.]+s", stack.Output);
        Assert.Matches(@"Rollout: edge: \S+ drained and removed in [\d.]+s", stack.Output);
        var after = await stack.Engine.SnapshotAsync(Ct);
        Assert.Equal(network, after.Single(c => c.Service == "edge-net").Id);
        var newEdge = Assert.Single(after, c => c.Service == "edge");
        Assert.NotEqual(oldEdge, newEdge.Id);
        Assert.Equal("healthy", newEdge.Health);

        await using (var traffic = TrafficProbe.Start(new Uri($"http://127.0.0.1:{port}"), [ProbeRequest.Get("/"), ProbeRequest.Get("/healthz")], rate: 50))
        {
            await Task.Delay(2000, Ct);
            File.WriteAllText(Path.Combine(stack.Directory, ".env"), Env(broken, port));
            var failed = await Assert.ThrowsAsync<Mlstack.Build.Gates.GateFailedException>(() => stack.UpAsync());
            Assert.Equal("edge", failed.Service);
            await Task.Delay(2000, Ct);
            TrafficAssert.NoRequestDropped(await traffic.StopAsync(), "an edge release whose router cannot start", output);
        }

        Assert.Contains("no_such_directive", stack.Output);
        Assert.Matches(@"Rollout: edge: new copy \S+ removed; \S+ serves on, nothing switched", stack.Output);
        var serving = Assert.Single(await stack.Engine.SnapshotAsync(Ct), c => c.Service == "edge");
        Assert.Equal(newEdge.Id, serving.Id);

        // And back (a rollback to a release from before edge-net): compose removes edge-net, the edge takes the port.
        File.WriteAllText(Path.Combine(stack.Directory, "compose.yaml"), Compose(frontend, edgeNet, ownNetwork: false));
        File.WriteAllText(Path.Combine(stack.Directory, ".env"), Env(next, port));
        await stack.UpAsync();
        Assert.DoesNotContain(await stack.Engine.SnapshotAsync(Ct), c => c.Service == "edge-net");
        using var http = new HttpClient();
        Assert.Equal("ok\n", await http.GetStringAsync($"http://127.0.0.1:{port}/healthz", Ct));
    }

    /// <summary>The edge's layout as in compose.yaml (edge-net owns the port; the edge joins its network; least
    /// privilege; the repository's routes), in front of two copies of the frontend's image: the frontend, and a stand-in
    /// for ml-service that the edge needs only by name (the probe asks / and /healthz, never /api/).</summary>
    /// <param name="ownNetwork">false: the layout before edge-net, where the edge published the port itself.</param>
    private static string Compose(string frontend, string edgeNet, bool ownNetwork = true)
    {
        var network = ownNetwork
            ? $$"""
                edge-net:
                  <<: *service
                  image: {{edgeNet}}
                  ports: ["127.0.0.1:${EDGE_PORT}:8080"]
                  networks:
                    frontend:
                      aliases: [edge]
                  stop_signal: SIGKILL
              """
            : "";
        var edgeNetworking = ownNetwork
            ? """
                  network_mode: service:edge-net
                  depends_on:
                    edge-net: {condition: service_started}
              """
            : """
                  ports: ["127.0.0.1:${EDGE_PORT}:8080"]
                  networks: [frontend]
                  depends_on:
              """;
        return $$"""
            x-service: &service
              cap_drop: [ALL]
              security_opt: ["no-new-privileges:true"]
              read_only: true
              restart: unless-stopped
            x-page: &page
              <<: *service
              image: {{frontend}}
              networks: [frontend]
              tmpfs: ["/tmp/nginx:mode=1777"]
              stop_signal: SIGQUIT
              stop_grace_period: 2s
              healthcheck: {test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"], interval: 1s, timeout: 3s, retries: 30}
            services:
              ml-service: *page
              # Changes with every edge release and becomes healthy only after its 6th healthcheck (~7 s): a worker
              # tier's start, which the edge's hand-over does not wait for.
              slow:
                <<: *page
                environment: {RELEASE: "${EDGE_IMAGE}"}
                healthcheck: {test: ["CMD-SHELL", "n=$$(cat /tmp/nginx/beats 2>/dev/null || echo 0); echo $$((n + 1)) > /tmp/nginx/beats; [ $$n -ge 6 ]"], interval: 1s, timeout: 3s, retries: 30}
              frontend:
                <<: *page
                labels: {io.mlstack.upstream: "frontend_app:8080:/healthz"}
            {{network}}
              edge:
                <<: *service
                image: ${EDGE_IMAGE}
                labels: {io.mlstack.edge: "true"}
                volumes: ["{{Path.Combine(RepositoryRoot.Path, "stack", "config", "edge")}}:/etc/mlstack/edge:ro"]
                tmpfs: ["/tmp/nginx:mode=1777", "/tmp/edge:mode=1777"]
            {{edgeNetworking}}
                  ml-service: {condition: service_healthy}
                  frontend: {condition: service_healthy}
                stop_grace_period: 35s
                healthcheck: {test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "--unix-socket", "/tmp/edge/front.sock", "http://edge/healthz"], interval: 1s, timeout: 3s, retries: 10, start_period: 10s}
            networks:
              frontend: {}
            """;
    }

    private static string Env(string edgeImage, int port) => $"EDGE_IMAGE={edgeImage}\nEDGE_PORT={port}\n";

    /// <summary>An image on top of <paramref name="baseId"/> with these Dockerfile lines more: another image id.</summary>
    private static async Task<string> DerivedAsync(string baseId, string tag, string lines)
    {
        var folder = Directory.CreateTempSubdirectory("mlstack-edge-image-");
        try
        {
            // The base's context-hash label is inherited: emptied first, so that no step of this build (the classic
            // builder keeps each step as an image) looks like the checkout's own edge.
            File.WriteAllText(Path.Combine(folder.FullName, "Dockerfile"), $"FROM {baseId}\nLABEL {ImageSetBuilder.ContextHashLabel}=\"\"\n{lines}\n");
            var build = await ChildProcess.RunAsync("docker", ["build", "-q", "-t", tag, folder.FullName]);
            Assert.True(build.ExitCode == 0, build.Output);
            return tag;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
