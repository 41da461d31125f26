namespace Mlstack.Build.Remote;

/// <summary>The same work on every node of a cluster, at most a given number at once (each node's transfer goes
/// through this machine: its uplink and CPU are what the limit shares), waiting for all of them: a node that fails
/// does not stop the others, whose work stays done. The first failure in the nodes' order is thrown, each other one
/// is a warning line, so every failed node is named.</summary>
internal static class NodeFanOut
{
    /// <returns>Each node's result, in the nodes' order.</returns>
    public static async Task<IReadOnlyList<TResult>> RunAsync<TNode, TResult>(
        IReadOnlyList<TNode> nodes, int parallel, Func<TNode, int, Task<TResult>> work, Action<string> warn, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallel, 1);
        using var slots = new SemaphoreSlim(parallel);
        var tasks = nodes.Select(async (node, index) =>
        {
            await slots.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                return await work(node, index).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        }).ToList();
        try
        {
            return await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception first) when (!ct.IsCancellationRequested)
        {
            foreach (var other in tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).Where(e => e != first))
                warn(other.Message);
            throw;
        }
    }
}
