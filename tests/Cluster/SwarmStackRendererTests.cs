using Mlstack.Build.Backup;
using Mlstack.Build.Cluster;
using Mlstack.Build.Core;
using Mlstack.Build.Stack;
using Mlstack.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Tests.Cluster;

/// <summary>The real stack (compose.yaml + compose.prod.yaml as the Compose CLI resolves them) rendered for Swarm, read
/// back from the YAML text stack deploy would get: where each kind of service runs, how releases replace it, jobs,
/// versioned secrets, nothing Swarm ignores or refuses, DNS round robin without IPVS, host-mode ports. Integration: the
/// Compose CLI resolves the files (as for EdgeTlsComposeTests); no engine.</summary>
[Trait(Mlstack.Build.Testing.TestTiers.Trait, Mlstack.Build.Testing.TestTiers.Integration)]
public sealed class SwarmStackRendererTests
{
    private static async Task<(SwarmStackFile Stack, YamlMappingNode Services, YamlMappingNode Root)> RenderAsync(bool hasIpvs = false)
    {
        var config = await SwarmStackConfig.ConfigAsync();
        var stack = SwarmStackRenderer.Render(SwarmStackConfig.Request(config, hasIpvs: hasIpvs));
        var root = Load(stack.Yaml);
        return (stack, (YamlMappingNode)root["services"], root);
    }

    private static YamlMappingNode Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, params string[] path) =>
        path.Aggregate((YamlMappingNode)node, (n, key) => (YamlMappingNode)n[key]);

    private static string? Text(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    private static IEnumerable<(string Name, YamlMappingNode Node)> All(YamlMappingNode services) =>
        services.Children.Select(s => (((YamlScalarNode)s.Key).Value!, (YamlMappingNode)s.Value));

    private static List<string> Constraints(YamlMappingNode service) =>
        Map(service, "deploy").Children.ContainsKey("placement") && Map(service, "deploy", "placement").Children.ContainsKey("constraints")
            ? [.. ((YamlSequenceNode)Map(service, "deploy", "placement")["constraints"]).Select(c => ((YamlScalarNode)c).Value!)]
            : [];

    [Fact]
    public async Task Data_services_stay_on_the_data_node_with_their_named_volumes_and_are_replaced_stop_first()
    {
        var (stack, services, _) = await RenderAsync();

        foreach (var (name, volume) in new[] { ("postgres", "pgdata"), ("redis", "redisdata"), ("objectstore", "objectdata") })
        {
            Assert.Contains(name, StackBackup.DataServices);
            Assert.Equal(SwarmPlacement.Data, stack.Placement[name]);
            var service = Map(services, name);
            Assert.Equal(["node.labels.mlstack.role.data == true"], Constraints(service));
            Assert.Contains(((YamlSequenceNode)service["volumes"]).OfType<YamlMappingNode>(), v => Text(v, "type") == "volume" && Text(v, "source") == volume);
            Assert.Equal("stop-first", Text(Map(service, "deploy", "update_config"), "order"));
        }

        // Everything else on a named volume stays with its data too; nothing stateless is pinned there.
        Assert.Equal(["alertmanager", "node-exporter", "objectstore", "postgres", "prometheus", "redis"],
            stack.Placement.Where(p => p.Value == SwarmPlacement.Data).Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Worker_tiers_go_to_worker_nodes_HTTP_services_to_app_nodes_and_the_scaler_to_a_manager()
    {
        var (stack, services, _) = await RenderAsync();

        foreach (var tier in new[] { "worker-light", "worker-medium", "worker-heavy" })
            Assert.Equal(["node.labels.mlstack.role.worker == true"], Constraints(Map(services, tier)));
        foreach (var http in new[] { "ml-service", "frontend", "edge" })
            Assert.Equal(["node.labels.mlstack.role.app == true"], Constraints(Map(services, http)));
        // The scaler sets a tier service's replicas through the Swarm API, which only a manager's engine answers; the
        // autoscaler, which asks it, is stateless. Each runs once.
        Assert.Equal(["node.role == manager"], Constraints(Map(services, "scaler")));
        Assert.Equal(["node.labels.mlstack.role.app == true"], Constraints(Map(services, "autoscaler")));
        Assert.Equal(SwarmPlacement.Manager, stack.Placement["scaler"]);
        Assert.DoesNotContain(stack.Dropped, d => d.Setting == "the service" && d.Service is "scaler" or "autoscaler");

        // What bind mounts read from the node itself: the deploy must put it there.
        Assert.Contains(Path.Combine(RepositoryRoot.Path, "stack", "config", "postgres"), stack.HostPaths["postgres"]);
        Assert.False(stack.HostPaths.ContainsKey("ml-service"));
    }

    [Fact]
    public async Task Stateless_services_update_start_first_roll_back_on_failure_and_watch_at_least_their_health_window()
    {
        var (stack, services, _) = await RenderAsync();
        var model = ComposeConfigReader.Parse(await SwarmStackConfig.ConfigAsync());

        foreach (var spec in model.Services.Where(s => !s.IsOneShot && s.Name != "edge-net"))
        {
            var deploy = Map(services, spec.Name, "deploy");
            Assert.Equal("replicated", Text(deploy, "mode"));
            var update = Map(deploy, "update_config");
            Assert.Equal("rollback", Text(update, "failure_action"));
            var monitor = Durations.Parse(Text(update, "monitor")!)!.Value;
            Assert.True(monitor >= (spec.Healthcheck?.WorstCaseStart ?? TimeSpan.Zero), $"{spec.Name}: monitor {monitor} is shorter than its health window {spec.Healthcheck?.WorstCaseStart}");
            Assert.Equal(Text(update, "order"), Text(Map(deploy, "rollback_config"), "order"));
            var expected = stack.Placement[spec.Name] == SwarmPlacement.Data || spec.IsEdge ? "stop-first" : "start-first";
            Assert.Equal(expected, Text(update, "order"));
        }

        // ml-service: start_period 40 s + 6 × 5 s.
        Assert.Equal("70s", Text(Map(services, "ml-service", "deploy", "update_config"), "monitor"));
        Assert.Equal("start-first", Text(Map(services, "ml-service", "deploy", "update_config"), "order"));
    }

    [Fact]
    public async Task One_shots_run_once_as_jobs_where_the_CLI_converts_them_else_as_one_task_never_restarted()
    {
        var (_, services, _) = await RenderAsync();
        var config = await SwarmStackConfig.ConfigAsync();
        var jobs = SwarmStackRenderer.Render(SwarmStackConfig.Request(config) with { CliRunsJobs = true });

        foreach (var job in new[] { "migrate", "objectstore-init" })
        {
            var deploy = Map(services, job, "deploy");
            Assert.Equal(("replicated", "1"), (Text(deploy, "mode"), Text(deploy, "replicas")));
            Assert.Equal("none", Text(Map(deploy, "restart_policy"), "condition"));
            Assert.Equal("continue", Text(Map(deploy, "update_config"), "failure_action")); // its exit is no failure
            Assert.Equal("true", Text(Map(services, job, "healthcheck"), "disable"));
            Assert.Equal("replicated-job", Text(Map(jobs.Service(job), "deploy"), "mode"));
            Assert.False(Map(jobs.Service(job), "deploy").Children.ContainsKey("update_config")); // a job has none
        }

        Assert.Equal("replicated", Text(Map(jobs.Service("ml-service"), "deploy"), "mode"));
        Assert.Equal("replicated", Text(Map(services, "ml-service", "deploy"), "mode"));
        Assert.Equal(("1.5", "768M"), (Text(Map(services, "ml-service", "deploy", "resources", "limits"), "cpus"), Text(Map(services, "ml-service", "deploy", "resources", "limits"), "memory")));
        Assert.Equal("1G", Text(Map(services, "worker-heavy", "deploy", "resources", "limits"), "memory"));
    }

    [Fact]
    public async Task Nothing_stack_deploy_ignores_or_refuses_is_left_and_every_image_is_the_releases_content_tag()
    {
        var (stack, services, root) = await RenderAsync();

        Assert.Equal("3.9", Text(root, "version"));
        foreach (var (name, service) in All(services))
        {
            foreach (var key in new[] { "build", "depends_on", "restart", "group_add", "security_opt", "container_name", "tmpfs" })
                Assert.False(service.Children.ContainsKey(key), $"{name} still has {key}");
            Assert.Matches(@"^mlstack/[a-z-]+:c0ffee\d+$", Text(service, "image"));
        }

        // What is lost is said, once per service and setting: no-new-privileges and the secrets group.
        Assert.Contains(stack.Dropped, d => d.Service == "postgres" && d.Setting == "security_opt");
        Assert.Contains(stack.Dropped, d => d.Service == "postgres" && d.Setting == "group_add");
        // The read-only root's writable paths are tmpfs mounts now.
        Assert.Contains(((YamlSequenceNode)Map(services, "ml-service")["volumes"]).OfType<YamlMappingNode>(), v => Text(v, "type") == "tmpfs" && Text(v, "target") == "/tmp");
        Assert.Equal("true", Text(Map(services, "ml-service"), "read_only"));
        Assert.Contains("ALL", ((YamlSequenceNode)Map(services, "ml-service")["cap_drop"]).Select(c => ((YamlScalarNode)c).Value));
        Assert.All(Map(root, "networks").Children.Values, n => Assert.Equal("overlay", Text((YamlMappingNode)n, "driver")));
        Assert.Equal("true", Text(Map(root, "networks", "autoscaling"), "internal"));
        // The data services' network lets Backup's helper (a plain container on the data node) join; others do not.
        Assert.Equal("true", Text(Map(root, "networks", "backend"), "attachable"));
        Assert.Null(Text(Map(root, "networks", "autoscaling"), "attachable"));
    }

    [Fact]
    public async Task Secrets_are_swarm_secrets_from_the_releases_files_with_versioned_names_never_environment()
    {
        var (stack, services, root) = await RenderAsync();
        var secrets = SwarmStackConfig.Secrets();

        foreach (var secret in secrets)
        {
            var node = Map(root, "secrets", secret.Name);
            var version = StackSecrets.Version(SwarmStackConfig.VersionKey, secret);
            Assert.Equal($"mlstack_{secret.Name}_{version}", Text(node, "name"));
            Assert.Equal(StackSecrets.PathOf(SwarmStackConfig.SecretRoot, SwarmStackConfig.VersionKey, secret), Text(node, "file"));
            Assert.Equal("false", Text(node, "external"));
            Assert.DoesNotContain(secret.Content, stack.Yaml, StringComparison.Ordinal);
        }

        // A service reads the secret under its own name, whatever version is behind it.
        var postgres = ((YamlSequenceNode)Map(services, "postgres")["secrets"]).OfType<YamlMappingNode>().ToList();
        Assert.Contains(postgres, s => Text(s, "source") == "postgres_password" && Text(s, "target") == "postgres_password");
        Assert.Equal("/run/secrets/postgres_password", Text(Map(services, "postgres", "environment"), "POSTGRES_PASSWORD_FILE"));
    }

    [Fact]
    public async Task Rotating_a_secret_changes_only_that_secrets_name_and_file()
    {
        var config = await SwarmStackConfig.ConfigAsync();
        var before = SwarmStackRenderer.Render(SwarmStackConfig.Request(config)).Yaml.Split('\n');
        var rotated = SwarmStackConfig.Secrets().Select(s => s.Name == "api_token" ? s with { Content = "a new token" } : s).ToList();
        var newFile = StackSecrets.PathOf(SwarmStackConfig.SecretRoot, SwarmStackConfig.VersionKey, rotated.Single(s => s.Name == "api_token"));
        var oldFile = StackSecrets.PathOf(SwarmStackConfig.SecretRoot, SwarmStackConfig.VersionKey, SwarmStackConfig.Secrets().Single(s => s.Name == "api_token"));
        var after = SwarmStackRenderer.Render(SwarmStackConfig.Request(config.Replace(oldFile, newFile, StringComparison.Ordinal), rotated)).Yaml.Split('\n');

        Assert.Equal(before.Length, after.Length);
        var changed = before.Zip(after).Where(p => p.First != p.Second).ToList();
        Assert.Equal(2, changed.Count);
        Assert.Contains(changed, c => c.Second.Contains("name: \"mlstack_api_token_" + StackSecrets.Version(SwarmStackConfig.VersionKey, rotated.Single(s => s.Name == "api_token")), StringComparison.Ordinal));
        Assert.Contains(changed, c => c.Second.Contains("file: \"" + newFile, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_IPVS_every_service_is_dnsrr_with_IPVS_none_is_and_published_ports_are_host_mode()
    {
        var (stack, services, _) = await RenderAsync(hasIpvs: false);
        var (_, withIpvs, _) = await RenderAsync(hasIpvs: true);

        Assert.All(All(services), s => Assert.Equal("dnsrr", Text(Map(s.Node, "deploy"), "endpoint_mode")));
        Assert.All(All(withIpvs), s => Assert.False(Map(s.Node, "deploy").Children.ContainsKey("endpoint_mode")));
        var ports = ((YamlSequenceNode)Map(services, "edge")["ports"]).OfType<YamlMappingNode>().ToList();
        Assert.Equal(["80", "8080"], ports.Select(p => Text(p, "published")!).Order(StringComparer.Ordinal));
        Assert.All(ports, p => Assert.Equal(("host", "8080"), (Text(p, "mode"), Text(p, "target"))));
        Assert.Equal("1", Text(Map(services, "edge", "deploy", "placement"), "max_replicas_per_node"));
        // Compose bound them to 127.0.0.1 (.env.example); format 3.x cannot, and the stack says so.
        Assert.Contains(stack.Dropped, d => d.Service == "edge" && d.Setting.Contains("127.0.0.1", StringComparison.Ordinal));
        Assert.All(All(services).Where(s => s.Name != "edge"), s => Assert.False(s.Node.Children.ContainsKey("ports")));
        // On one VM the port is edge-net's, whose network the edge joins; a Swarm task cannot join another's, so the
        // edge publishes it and carries edge-net's name on the frontend network itself, and edge-net is not rendered.
        Assert.False(services.Children.ContainsKey("edge-net"));
        Assert.Equal("edge", ((YamlSequenceNode)Map(services, "edge", "networks", "frontend")["aliases"]).Children.Single().ToString());
        Assert.False(Map(services, "edge").Children.ContainsKey("network_mode"));
        Assert.Contains(stack.Dropped, d => d.Service == "edge-net");
    }

    [Fact]
    public async Task The_deploy_phases_start_data_then_jobs_then_what_needs_the_jobs()
    {
        var (stack, _, _) = await RenderAsync();

        Assert.Equal(3, stack.Phases.Count);
        Assert.Empty(stack.Phases[0].Jobs);
        Assert.Contains("postgres", stack.Phases[0].Services);
        Assert.Contains("objectstore", stack.Phases[0].Services);
        Assert.Equal(["migrate", "objectstore-init"], stack.Phases[1].Jobs);
        Assert.Empty(stack.Phases[1].Services);
        Assert.Equal(["autoscaler", "edge", "ml-service", "scheduler", "worker-heavy", "worker-light", "worker-medium"], stack.Phases[2].Services); // the scaler, which needs no one-shot, starts in phase 1
        Assert.Equal(19, stack.Phases.Sum(p => p.All.Count()));

        var first = Load(stack.YamlThroughPhase(1));
        Assert.False(Map(first, "services").Children.ContainsKey("migrate"));
        Assert.True(Map(first, "services").Children.ContainsKey("postgres"));
        Assert.Equal(Map(Load(stack.Yaml), "secrets").Children.Count, Map(first, "secrets").Children.Count);
        Assert.Equal(19, Map(Load(stack.YamlThroughPhase(3)), "services").Children.Count);
    }

    [Fact]
    public async Task Placement_names_only_roles_some_host_has_and_data_without_a_data_host_is_refused()
    {
        var config = await SwarmStackConfig.ConfigAsync();

        var small = SwarmStackRenderer.Render(SwarmStackConfig.Request(config, roles: new HashSet<ClusterRole> { ClusterRole.Manager, ClusterRole.Data, ClusterRole.App }));
        Assert.Equal(["node.labels.mlstack.role.app == true"], Constraints(small.Service("worker-heavy")));
        var one = SwarmStackRenderer.Render(SwarmStackConfig.Request(config, roles: new HashSet<ClusterRole> { ClusterRole.Manager, ClusterRole.Data }));
        Assert.Empty(Constraints(one.Service("ml-service")));
        Assert.Equal(["node.labels.mlstack.role.data == true"], Constraints(one.Service("postgres")));

        var refused = Assert.Throws<BuildInputException>(() => SwarmStackRenderer.Render(SwarmStackConfig.Request(config, roles: new HashSet<ClusterRole> { ClusterRole.Manager, ClusterRole.App })));
        Assert.Contains("data role", refused.Message, StringComparison.Ordinal);
    }
}
