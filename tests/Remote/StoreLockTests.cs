using Mlstack.Build.Core;
using Mlstack.Build.Remote;

namespace Mlstack.Tests.Remote;

/// <summary>Two shipments from one checkout take turns on the shared registry store instead of running two
/// registries on one folder (seen: a 500 from the registry mid-push when two test VMs deployed at once).</summary>
public sealed class StoreLockTests : IDisposable
{
    private readonly string _storage = Path.Combine(Path.GetTempPath(), $"mlstack-store-{Guid.NewGuid():N}");

    [Fact]
    public async Task A_second_shipment_waits_for_the_first_and_says_so()
    {
        var said = new StringWriter();
        var log = new BuildLog(said, new SecretMasker(), color: false);
        var first = await StoreLock.AcquireAsync(_storage, log, TestContext.Current.CancellationToken);

        var second = StoreLock.AcquireAsync(_storage, log, TestContext.Current.CancellationToken);
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        Assert.False(second.IsCompleted);
        Assert.Contains($"another shipment from this machine uses {_storage}", said.ToString(), StringComparison.Ordinal);

        first.Dispose();
        using var taken = await second.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    public void Dispose() => File.Delete(_storage + ".lock");
}
