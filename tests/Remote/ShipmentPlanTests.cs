using Mlstack.Build.Remote;

namespace Mlstack.Tests.Remote;

/// <summary>Which node of a cluster lacks which image, by id, and what is pushed to the loopback registry: each image
/// any node lacks, once, in the order asked for; nothing when every node has everything.</summary>
public sealed class ShipmentPlanTests
{
    private static readonly LocalImage Api = new(ImageReference.Parse("mlstack/api:c1"), "sha256:aaa", 100);
    private static readonly LocalImage Db = new(ImageReference.Parse("mlstack/postgres:c2"), "sha256:bbb", 1000);
    private static readonly LocalImage Edge = new(ImageReference.Parse("mlstack/edge:c3"), "sha256:ccc", 10);

    private static Dictionary<string, string> Has(params LocalImage[] images) => images.ToDictionary(i => i.Reference.ToString(), i => i.Id);

    [Fact]
    public void An_image_any_node_lacks_is_pushed_once_and_each_node_pulls_only_what_it_lacks()
    {
        var plan = ShipmentPlan.Of([Api, Db, Edge], [Has(Api, Db, Edge), Has(Db), Has()]);

        Assert.Equal([Api, Db, Edge], plan.ToPush); // each once, in the order asked for
        Assert.Empty(plan.Lacking[0]);
        Assert.Equal([Api, Edge], plan.Lacking[1]);
        Assert.Equal([Api, Db, Edge], plan.Lacking[2]);
        Assert.Equal(2, plan.NodesLacking(Api));
        Assert.Equal(1, plan.NodesLacking(Db));
    }

    [Fact]
    public void Another_image_under_the_same_name_is_lacking_too()
    {
        var older = new Dictionary<string, string> { [Api.Reference.ToString()] = "sha256:older" };

        var plan = ShipmentPlan.Of([Api], [older, Has(Api)]);

        Assert.Equal([Api], plan.Lacking[0]);
        Assert.Empty(plan.Lacking[1]);
        Assert.Equal([Api], plan.ToPush);
    }

    [Fact]
    public void Nothing_is_pushed_when_every_node_has_every_image()
    {
        var plan = ShipmentPlan.Of([Api, Db], [Has(Api, Db), Has(Db, Api), Has(Api, Db, Edge)]);

        Assert.Empty(plan.ToPush);
        Assert.All(plan.Lacking, Assert.Empty);
        Assert.Equal(0, plan.NodesLacking(Api));
    }
}
