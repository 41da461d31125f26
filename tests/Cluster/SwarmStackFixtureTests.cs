using Mlstack.Build.Cluster;
using Mlstack.Build.Core;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Tests.Cluster;

/// <summary>The renderer on a small stack as compose config prints it (a data service, a one-shot, an HTTP service,
/// a worker tier): the deploy phases, both forms compose versions print, and the refusals.</summary>
public sealed class SwarmStackFixtureTests
{
    /// <summary>As compose v1 prints it: short volume and port strings, a disabled check as test: [NONE].</summary>
    internal const string Config = """
        networks:
          backend: {}
          frontend: {}
        secrets:
          db_password:
            file: /srv/mlstack/secrets/db_password-0a1b2c3d4e5f6071/db_password
        services:
          db:
            build: {context: /repo/docker/db}
            command: [sleep, "3600"]
            healthcheck: {test: [CMD, "true"], interval: 2s, timeout: 2s, retries: 3, start_period: 4s}
            image: mlstack/tiny:latest
            networks: {backend: {}}
            restart: always
            secrets: [{source: db_password}]
            volumes: ["dbdata:/data:rw"]
          init:
            build: {context: /repo/docker/db}
            command: [sh, -c, "test -s /run/secrets/db_password"]
            depends_on: {db: {condition: service_healthy}}
            healthcheck: {test: [NONE]}
            image: mlstack/tiny:latest
            networks: {backend: {}}
            restart: "no"
            secrets: [{source: db_password}]
          web:
            build: {context: /repo/docker/db}
            cap_drop: [ALL]
            command: [sleep, "3600"]
            depends_on: {init: {condition: service_completed_successfully}, db: {condition: service_healthy}}
            group_add: ['10001']
            healthcheck: {test: [CMD, "true"], interval: 2s, timeout: 2s, retries: 3, start_period: 4s}
            image: mlstack/tiny:latest
            labels: {io.mlstack.upstream: "web:8080:/health"}
            networks: {backend: {}, frontend: {}}
            ports: ["18080:8080/tcp"]
            read_only: true
            restart: always
            security_opt: ["no-new-privileges:true"]
            tmpfs: ["/tmp:mode=1777"]
            user: "0:0"
          worker:
            build: {context: /repo/docker/db}
            command: [sleep, "3600"]
            depends_on: {init: {condition: service_completed_successfully}}
            image: mlstack/tiny:latest
            labels: {io.mlstack.tier: light}
            networks: {backend: {}}
            restart: always
            deploy: {replicas: 2, resources: {limits: {cpus: 0.25, memory: 32M}}}
        version: '3.9'
        volumes:
          dbdata: {}
        """;

    internal static SwarmStackRequest Request(string config = Config, bool hasIpvs = false) => new(
        config,
        new HashSet<ClusterRole> { ClusterRole.Manager, ClusterRole.Data, ClusterRole.App, ClusterRole.Worker },
        new Dictionary<string, string> { ["mlstack/tiny"] = "mlstack/tiny:5e1f" },
        new Dictionary<string, string> { ["db_password"] = "0a1b2c3d4e5f6071" },
        hasIpvs,
        "fixture");

    private static YamlMappingNode Map(YamlNode node, params string[] path) =>
        path.Aggregate((YamlMappingNode)node, (n, key) => (YamlMappingNode)n[key]);

    [Fact]
    public void Phases_run_the_one_shot_after_the_data_service_and_what_needs_it_after_the_one_shot()
    {
        var stack = SwarmStackRenderer.Render(Request());

        Assert.Equal(
            [(1, "db", ""), (2, "", "init"), (3, "web,worker", "")],
            stack.Phases.Select(p => (p.Number, string.Join(',', p.Services), string.Join(',', p.Jobs))));
        Assert.Equal(SwarmPlacement.Data, stack.Placement["db"]);
        Assert.Equal(SwarmPlacement.Worker, stack.Placement["worker"]);
        Assert.Equal(SwarmPlacement.App, stack.Placement["web"]);
    }

    [Fact]
    public void Settings_carry_over_as_swarm_reads_them()
    {
        var stack = SwarmStackRenderer.Render(Request());
        var web = stack.Service("web");

        Assert.Equal("\"0:0\"", Serialized(web["user"]));
        Assert.Equal("\"0.25\"", Serialized(Map(stack.Service("worker"), "deploy", "resources", "limits")["cpus"]));
        Assert.Equal("2", ((YamlScalarNode)Map(stack.Service("worker"), "deploy")["replicas"]).Value);
        Assert.Equal("fixture_db_password_0a1b2c3d4e5f6071", ((YamlScalarNode)Map(stack.Document, "secrets", "db_password")["name"]).Value);
        // db: start_period 4 s + 3 × 2 s = 10 s, the floor; nothing shorter.
        Assert.Equal("10s", ((YamlScalarNode)Map(stack.Service("db"), "deploy", "update_config")["monitor"]).Value);
        Assert.Equal(["group_add", "security_opt"], stack.Dropped.Where(d => d.Service == "web").Select(d => d.Setting).Order(StringComparer.Ordinal));
    }

    /// <summary>A service labelled io.mlstack.cluster: none (one that only makes sense on one machine) is not rendered,
    /// said as a line; the others are.</summary>
    [Fact]
    public void A_service_labelled_off_the_cluster_is_left_out_and_said()
    {
        var withLocal = Config.Replace("  worker:\n", "  local-only:\n    image: mlstack/tiny:latest\n    labels: {io.mlstack.cluster: none}\n  worker:\n", StringComparison.Ordinal);
        var stack = SwarmStackRenderer.Render(Request(withLocal));

        Assert.False(((YamlMappingNode)stack.Document["services"]).Children.ContainsKey("local-only"));
        var line = Assert.Single(stack.Dropped, d => d.Service == "local-only");
        Assert.Equal(("the service", "labelled io.mlstack.cluster: none in the compose file: it does not run on a swarm"), (line.Setting, line.Why));
        Assert.Contains("worker", stack.Phases.SelectMany(p => p.All));
    }

    /// <summary>A deploy that goes on without a node (--allow-degraded) deploys the kept file with no more replicas of a
    /// host-mode port's service than the nodes in it that its placement allows; other services keep theirs.</summary>
    [Fact]
    public void A_degraded_deploy_gives_a_port_publisher_no_more_replicas_than_its_nodes_in_it()
    {
        var threeWebs = Config.Replace("ports: [\"18080:8080/tcp\"]", "ports: [\"18080:8080/tcp\"]\n    deploy: {replicas: 3}", StringComparison.Ordinal);
        var kept = SwarmStackRenderer.Render(Request(threeWebs)).YamlThroughPhase(3);
        string Replicas(string yaml, string service) => ((YamlScalarNode)Map(SwarmYaml.Load(yaml), "services", service, "deploy")["replicas"]).Value!;
        Assert.Equal("3", Replicas(kept, "web"));

        // Every node in it: the kept file as it is.
        IReadOnlyList<ClusterRole>[] all = [[ClusterRole.Manager, ClusterRole.Data], [ClusterRole.App], [ClusterRole.App, ClusterRole.Worker], [ClusterRole.App]];
        Assert.Equal((kept, 0), (SwarmDegradedReplicas.Cap(kept, all).Yaml, SwarmDegradedReplicas.Cap(kept, all).Lowered.Count));

        // Two of the three app nodes out: web gets one task; the worker tier (no port) keeps its two.
        var (yaml, lowered) = SwarmDegradedReplicas.Cap(kept, all[..2]);
        Assert.Equal("1", Replicas(yaml, "web"));
        Assert.Equal("2", Replicas(yaml, "worker"));
        Assert.Equal("web: 1 of its 3 replicas, one per node that may run it (a host-mode port holds one task per node), until the nodes left out are back", Assert.Single(lowered));
        Assert.Equal("3", Replicas(kept, "web")); // the kept file unchanged
    }

    /// <summary>compose v2 prints long forms: a port's published as a string and its host_ip, volumes as mappings,
    /// a disabled check as disable: true, networks with a project-prefixed name.</summary>
    [Fact]
    public void Compose_v2s_long_forms_render_the_same()
    {
        const string v2 = """
            name: fixture
            services:
              db:
                image: mlstack/tiny:latest
                build: {context: /repo/docker/db}
                healthcheck: {disable: true}
                restart: "no"
                volumes:
                  - {type: volume, source: dbdata, target: /data, volume: {}}
                  - {type: bind, source: /srv/conf, target: /conf, read_only: true, bind: {create_host_path: true}}
                ports:
                  - {mode: ingress, host_ip: 127.0.0.1, target: 8080, published: "18080", protocol: tcp}
                networks: {backend: null}
            networks:
              backend: {name: fixture_backend}
            volumes:
              dbdata: {name: fixture_dbdata}
            """;

        var stack = SwarmStackRenderer.Render(Request(v2) with { CliRunsJobs = true });
        var db = stack.Service("db");

        Assert.Equal(SwarmPlacement.Data, stack.Placement["db"]);
        Assert.Equal("replicated-job", ((YamlScalarNode)Map(db, "deploy")["mode"]).Value);
        var port = (YamlMappingNode)((YamlSequenceNode)db["ports"]).Single();
        Assert.Equal(("18080", "8080", "host"), (((YamlScalarNode)port["published"]).Value, ((YamlScalarNode)port["target"]).Value, ((YamlScalarNode)port["mode"]).Value));
        Assert.Contains(stack.Dropped, d => d.Setting == "ports: 127.0.0.1:18080");
        var volumes = ((YamlSequenceNode)db["volumes"]).Cast<YamlMappingNode>().Select(v => (((YamlScalarNode)v["type"]).Value, ((YamlScalarNode)v["source"]).Value)).ToList();
        Assert.Equal([("volume", "dbdata"), ("bind", "/srv/conf")], volumes);
        Assert.False(Map(stack.Document, "networks", "backend").Children.ContainsKey("name"));
        Assert.False(Map(stack.Document, "volumes", "dbdata").Children.ContainsKey("name"));
    }

    [Fact]
    public void A_built_image_without_the_releases_tag_a_secret_without_a_file_or_version_and_a_circle_are_refused()
    {
        var untagged = Assert.Throws<BuildInputException>(() => SwarmStackRenderer.Render(Request() with { Images = new Dictionary<string, string>() }));
        Assert.Contains("mlstack/tiny", untagged.Message, StringComparison.Ordinal);

        var noFile = Assert.Throws<BuildInputException>(() => SwarmStackRenderer.Render(Request(Config.Replace("/srv/mlstack/secrets/db_password-0a1b2c3d4e5f6071/db_password", "/dev/null", StringComparison.Ordinal))));
        Assert.Contains("db_password", noFile.Message, StringComparison.Ordinal);

        var noVersion = Assert.Throws<BuildInputException>(() => SwarmStackRenderer.Render(Request() with { SecretVersions = new Dictionary<string, string>() }));
        Assert.Contains("db_password has no version", noVersion.Message, StringComparison.Ordinal);

        var circle = Config.Replace("command: [sleep, \"3600\"]\n    healthcheck: {test: [CMD, \"true\"], interval: 2s, timeout: 2s, retries: 3, start_period: 4s}\n    image: mlstack/tiny:latest\n    networks: {backend: {}}\n    restart: always\n    secrets: [{source: db_password}]",
            "command: [sleep, \"3600\"]\n    depends_on: {web: {condition: service_started}}\n    healthcheck: {test: [CMD, \"true\"], interval: 2s, timeout: 2s, retries: 3, start_period: 4s}\n    image: mlstack/tiny:latest\n    networks: {backend: {}}\n    restart: always\n    secrets: [{source: db_password}]", StringComparison.Ordinal);
        Assert.NotEqual(Config, circle);
        var refused = Assert.Throws<BuildInputException>(() => SwarmStackRenderer.Render(Request(circle)));
        Assert.Contains("circle", refused.Message, StringComparison.Ordinal);
    }

    private static string Serialized(YamlNode node)
    {
        var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString().Split('\n')[0].Trim();
    }
}
