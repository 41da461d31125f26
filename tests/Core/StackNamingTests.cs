using Docker.DotNet.Models;
using Mlstack.Build.Engine;

namespace Mlstack.Tests.Core;

/// <summary>A stack's objects found alike whichever made them: compose's labels, or docker stack deploy's names and
/// the labels Swarm puts on a task's container.</summary>
public sealed class StackNamingTests
{
    [Fact]
    public void A_containers_service_is_read_from_compose_or_from_swarm_without_the_stack_prefix()
    {
        Assert.Equal("postgres", StackNaming.ServiceOf(new ContainerListResponse { Labels = new Dictionary<string, string> { [ComposeLabels.Service] = "postgres" } }));
        Assert.Equal("worker-light", StackNaming.ServiceOf(new ContainerListResponse
        {
            Labels = new Dictionary<string, string> { [StackNaming.SwarmServiceLabel] = "my_stack_worker-light", [StackNaming.StackLabel] = "my_stack" },
        }));
        Assert.Null(StackNaming.ServiceOf(new ContainerListResponse { Labels = new Dictionary<string, string> { [StackNaming.SwarmServiceLabel] = "other_redis", [StackNaming.StackLabel] = "mlstack" } }));
        Assert.Null(StackNaming.ServiceOf(new ContainerListResponse { Labels = new Dictionary<string, string> { [StackNaming.SwarmServiceLabel] = "bare-service" } }));
    }

    [Fact]
    public void A_swarm_stacks_network_or_volume_is_its_exact_prefixed_name_a_compose_projects_is_found_by_labels()
    {
        Assert.True(StackNaming.Swarm.IsResource("mlstack", "backend", "mlstack_backend"));
        Assert.False(StackNaming.Swarm.IsResource("mlstack", "backend", "mlstack_backend2")); // a name filter matches it too
        Assert.Equal(["mlstack_redisdata"], StackNaming.Swarm.Resource("mlstack", "volume", "redisdata")["name"].Keys);
        Assert.Equal(["com.docker.compose.project=mlstack", "com.docker.compose.volume=redisdata"], StackNaming.Compose.Resource("mlstack", "volume", "redisdata")["label"].Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["com.docker.swarm.service.name=mlstack_redis"], StackNaming.Swarm.Containers("mlstack", "redis")["label"].Keys);
    }
}
