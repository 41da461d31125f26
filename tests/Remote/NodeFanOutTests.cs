using Mlstack.Build.Remote;

namespace Mlstack.Tests.Remote;

/// <summary>Work on every node of a cluster: never more than the limit at once, results in the nodes' order, and a
/// failing node neither stops the others nor hides another failing node.</summary>
public sealed class NodeFanOutTests
{
    [Fact]
    public async Task At_most_the_limit_run_at_once_and_results_keep_the_nodes_order()
    {
        var (running, most) = (0, 0);
        var results = await NodeFanOut.RunAsync(["a", "b", "c", "d", "e"], 2, async (node, index) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            await Task.Delay(30 - (5 * index), TestContext.Current.CancellationToken); // later nodes finish sooner
            Interlocked.Decrement(ref running);
            return $"{node}{index}";
        }, _ => Assert.Fail("nothing failed"), TestContext.Current.CancellationToken);

        Assert.Equal(["a0", "b1", "c2", "d3", "e4"], results);
        Assert.Equal(2, most);
    }

    [Fact]
    public async Task A_failing_node_lets_the_others_finish_the_first_is_thrown_and_the_others_are_warned()
    {
        var done = new List<int>();
        var warnings = new List<string>();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => NodeFanOut.RunAsync([0, 1, 2, 3], 2, async (node, _) =>
        {
            await Task.Delay(node == 1 ? 1 : 20, TestContext.Current.CancellationToken); // node 1 fails first, while 0 runs
            if (node % 2 == 1)
                throw new InvalidOperationException($"node {node} failed");
            lock (done)
                done.Add(node);
            return node;
        }, warnings.Add, TestContext.Current.CancellationToken));

        Assert.Equal("node 1 failed", error.Message);
        Assert.Equal(["node 3 failed"], warnings);
        Assert.Equal([0, 2], done.Order());
    }

    [Fact]
    public async Task A_limit_below_one_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => NodeFanOut.RunAsync([1], 0, (n, _) => Task.FromResult(n), _ => { }, TestContext.Current.CancellationToken));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
