using Docker.DotNet.Models;
using Docker.DotNet;
using Mlstack.Build.Doctor;
using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Remote;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Remote;

/// <summary>Images move to a real VM through a loopback registry and an SSH remote forward, only the layers it
/// lacks, and end up under their local names there.</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(EngineTests.Name)]
public sealed class SshImageShippingTests(TestVm vm, ITestOutputHelper output) : IClassFixture<TestVm>, IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly StringWriter _log = new();
    private readonly string _registryStorage = Path.Combine(Path.GetTempPath(), $"mlstack-registry-cache-{Guid.NewGuid():N}");

    private async Task<(DockerClient Local, SshSession Session)> PrepareAsync()
    {
        vm.Require();
        await FixtureImage.EnsureAsync();
        var session = await SshSession.ConnectAsync(vm.Target, HostKeyTrust.Pinned(vm.HostKeyFingerprint), vm.ClientKeyPath, Ct);
        return (EngineProbe.Client(EngineProbe.Endpoint().Endpoint), session);
    }

    private BuildLog Log => new(_log, new SecretMasker(), color: false) { Verbosity = Verbosity.Verbose };

    [Fact]
    public async Task A_second_image_moves_only_its_new_layer_and_lands_under_its_local_name()
    {
        var (local, session) = await PrepareAsync();
        var name = $"mlstack-ship-test/app-{Guid.NewGuid():N}"[..36];
        using var _ = local;
        await using var __ = session;
        try
        {
            await LocalImages.BuildAsync(local, $"{name}:v1", $"FROM {FixtureImage.Name}\nCOPY one /one\n", new Dictionary<string, byte[]> { ["one"] = LocalImages.Random(1000) });
            var first = Assert.Single(await ImageShipper.ShipAsync(local, session, [$"{name}:v1"], Log, _registryStorage, Ct));
            using var vmEngine = session.OpenEngine();
            var onVm = await vmEngine.Images.ListImagesAsync(new ImagesListParameters { All = true }, Ct);
            Assert.Contains(onVm, i => i.ID == first.ImageId && i.RepoTags.Contains($"{name}:v1"));
            Assert.DoesNotContain(onVm.SelectMany(i => i.RepoTags ?? []), t => t.StartsWith("localhost:", StringComparison.Ordinal));
            Assert.Equal(2, first.LayersMoved);
            Assert.True(first.BytesMoved > 10_000_000, $"the base layer should have moved: {first.BytesMoved} bytes");

            const int newLayer = 300_000; // random bytes do not compress: the layer is about this big
            await LocalImages.BuildAsync(local, $"{name}:v2", $"FROM {name}:v1\nCOPY two /two\n", new Dictionary<string, byte[]> { ["two"] = LocalImages.Random(newLayer) });
            var second = Assert.Single(await ImageShipper.ShipAsync(local, session, [$"{name}:v2"], Log, _registryStorage, Ct));
            output.WriteLine($"VM start {vm.StartTime.TotalSeconds:0.0} s; first {first.BytesMoved} B in {first.Elapsed.TotalSeconds:0.00} s; second {second.BytesMoved} B in {second.Elapsed.TotalSeconds:0.00} s");

            Assert.Equal(1, second.LayersMoved);
            Assert.Equal(2, second.LayersPresent);
            Assert.InRange(second.BytesMoved, newLayer, newLayer + 20_000);
            Assert.Equal(second.ImageId, (await vmEngine.Images.InspectImageAsync($"{name}:v2", Ct)).ID);

            // The shipped image runs under compose on the VM, on a compose network, with a bind mount from the VM's
            // private /srv: the VM's engine sees the VM's files, not this machine's.
            await session.UploadAsync(System.Text.Encoding.UTF8.GetBytes($"services:\n  app:\n    image: {name}:v2\n    volumes: ['./data:/data:ro']\n    command: cat /data/hello\n"),
                "/srv/demo/compose.yaml", (UnixFileMode)0b110_100_100, ct: Ct);
            await session.UploadAsync("from the VM\n"u8.ToArray(), "/srv/demo/data/hello", (UnixFileMode)0b110_100_100, ct: Ct);
            var run = await session.RunAsync("cd /srv/demo && docker-compose -p demo run --rm app; status=$?; docker-compose -p demo down >/dev/null 2>&1; exit $status", TimeSpan.FromMinutes(2), Ct);
            Assert.Equal("from the VM", run.EnsureSuccess().Output.Trim());

            // Shipping again moves nothing: the VM has that image id under that name.
            var again = Assert.Single(await ImageShipper.ShipAsync(local, session, [$"{name}:v2"], Log, _registryStorage, Ct));
            Assert.Equal(0, again.BytesMoved);
            Assert.DoesNotContain((await local.Images.ListImagesAsync(new ImagesListParameters(), Ct)).SelectMany(i => i.RepoTags ?? []),
                t => t.StartsWith("localhost:", StringComparison.Ordinal) && t.Contains(name, StringComparison.Ordinal));
        }
        finally
        {
            output.WriteLine(_log.ToString());
            await LocalImages.RemoveAsync(local, $"{name}:v2", $"{name}:v1");
        }
    }

    [Fact]
    public async Task An_image_missing_locally_is_one_line()
    {
        var (local, session) = await PrepareAsync();
        using var _ = local;
        await using var __ = session;
        var error = await Assert.ThrowsAsync<ImageShipException>(() => ImageShipper.ShipAsync(local, session, ["mlstack-ship-test/none:1"], Log, ct: Ct));
        Assert.Contains("not in the local engine", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _log.Dispose();
        if (Directory.Exists(_registryStorage))
            Directory.Delete(_registryStorage, recursive: true);
        File.Delete(_registryStorage + ".lock"); // StoreLock's file beside the store, else one is left in /tmp per run
    }
}
