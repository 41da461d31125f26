using Mlstack.Build.Core;
using Mlstack.Build.Gates;
using Mlstack.Build.Stack;

namespace Mlstack.Tests.Stack;

/// <summary>Which services an Up rolls new-beside-old, and what the labels that mark them must say.</summary>
public sealed class RolloutPlanTests
{
    private static readonly DateTimeOffset Then = DateTimeOffset.UtcNow.AddMinutes(-5);
    private static readonly HealthcheckSpec Check = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 3, TimeSpan.Zero);
    private static readonly ServiceSpec Api = Service("api", new UpstreamSpec("api_pool", 8000, "/health"));
    private static readonly ServiceSpec Page = Service("page", new UpstreamSpec("page_pool", 8080, "/healthz"));
    private static readonly ServiceSpec Worker = Service("worker", null);
    private static readonly ServiceSpec Edge = Service("edge", null) with { IsEdge = true };
    private static readonly ComposeModel Model = new([Api, Page, Worker, Edge]);

    private static ServiceSpec Service(string name, UpstreamSpec? upstream) =>
        new(name, "img", null, Check, new Dictionary<string, string>(), "always", $"{name}: config", Upstream: upstream);

    private static ContainerSnapshot Container(string service, string? health = "healthy", string status = "running") =>
        new($"id-{service}", service, Then, status, health, 0, Then, null, [], "img", $"p-{service}-1");

    private static List<ContainerSnapshot> AllServing => [Container("api"), Container("page"), Container("worker"), Container("edge")];

    [Fact]
    public void Changed_http_services_that_serve_behind_a_running_edge_are_rolled_and_nothing_else()
    {
        var rolled = RolloutPlan.Select(Model, new HashSet<string> { "page" }, AllServing);

        Assert.Equal(["api"], rolled.Select(s => s.Name));
    }

    [Fact]
    public void With_no_record_every_serving_http_service_is_rolled()
    {
        Assert.Equal(["api", "page"], RolloutPlan.Select(Model, new HashSet<string>(), AllServing).Select(s => s.Name));
    }

    [Fact]
    public void A_first_Up_or_a_stopped_or_unhealthy_edge_rolls_nothing_compose_starts_them_as_usual()
    {
        Assert.Empty(RolloutPlan.Select(Model, new HashSet<string>(), [Container("worker")]));
        Assert.Empty(RolloutPlan.Select(Model, new HashSet<string>(), [Container("api"), Container("page"), Container("edge", status: "exited")]));
        Assert.Empty(RolloutPlan.Select(Model, new HashSet<string>(), [Container("api"), Container("page"), Container("edge", "unhealthy")]));
        Assert.Empty(RolloutPlan.Select(new ComposeModel([Api, Page, Worker]), new HashSet<string>(), AllServing));
    }

    [Fact]
    public void A_service_with_no_serving_copy_is_left_to_compose_there_is_no_traffic_to_keep()
    {
        var rolled = RolloutPlan.Select(Model, new HashSet<string>(), [Container("api", "unhealthy"), Container("page", "starting"), Container("edge")]);

        Assert.Empty(rolled);
    }

    [Fact]
    public void A_changed_edge_in_an_unchanged_network_of_its_own_is_rolled_first_and_with_a_changed_network_left_to_compose()
    {
        var edge = Edge with { NetworkOf = "edge-net" };
        var model = new ComposeModel([Api, Page, Worker, edge, Service("edge-net", null)]);
        List<ContainerSnapshot> serving = [.. AllServing, Container("edge-net")];

        Assert.Equal(["edge", "api"], RolloutPlan.Select(model, new HashSet<string> { "page", "edge-net" }, serving).Select(s => s.Name));
        Assert.Equal(["api"], RolloutPlan.Select(model, new HashSet<string> { "page" }, serving).Select(s => s.Name));
        Assert.Empty(RolloutPlan.Select(model, new HashSet<string> { "api", "page", "edge" }, serving));
        // An edge that publishes the port itself (no network of its own) cannot start a copy beside it.
        Assert.Equal(["api"], RolloutPlan.Select(Model, new HashSet<string> { "page" }, AllServing).Select(s => s.Name));
    }

    [Theory]
    [InlineData("ml_service:8000:/health", "ml_service", 8000, "/health")]
    [InlineData("frontend_app:8080:/healthz?deep=1", "frontend_app", 8080, "/healthz?deep=1")]
    public void The_upstream_label_names_the_pool_the_port_and_the_check_path(string label, string name, int port, string path)
    {
        Assert.Equal(new UpstreamSpec(name, port, path), UpstreamSpec.Parse("svc", label));
    }

    [Theory]
    [InlineData("ml_service:8000")]
    [InlineData("ml_service:http:/health")]
    [InlineData("ml_service:8000:health")]
    public void A_malformed_upstream_label_is_refused_in_one_line_naming_the_service_and_the_form(string label)
    {
        var error = Assert.Throws<BuildInputException>(() => UpstreamSpec.Parse("ml-service", label));

        Assert.Contains("service ml-service", error.Message);
        Assert.Contains("\"<upstream>:<port>:/<health path>\"", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void The_stacks_own_file_puts_ml_service_and_the_frontend_behind_one_edge()
    {
        var yaml = File.ReadAllText(Path.Combine(Support.RepositoryRoot.Path, "stack", "compose.yaml"));
        Assert.Contains("io.mlstack.upstream: \"ml_service:8000:/health\"", yaml);
        Assert.Contains("io.mlstack.upstream: \"frontend_app:8080:/healthz\"", yaml);
        Assert.Contains("io.mlstack.edge: \"true\"", yaml);
        Assert.Contains("network_mode: service:edge-net", yaml);
    }
}
