using Mlstack.Build.Doctor;
using Mlstack.Build.Images;
using Mlstack.Build.Testing;
using Mlstack.Tests.Remote;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Images;

/// <summary>Images finds an image it built by its context-hash label. An image built FROM it inherits the label and is
/// newer: a user's experiment, a test's variant (a CI run once deployed a test's edge variant as the checkout's own
/// edge). Only images tagged in the repository count.</summary>
[Trait(TestTiers.Trait, TestTiers.Integration)]
[Collection(EngineTests.Name)]
public sealed class ImageLookupTests
{
    [Fact]
    public async Task An_image_built_from_the_stacks_own_is_never_taken_for_it()
    {
        await FixtureImage.EnsureAsync();
        var ct = TestContext.Current.CancellationToken;
        using var local = EngineProbe.Client(EngineProbe.Endpoint().Endpoint);
        var id = Guid.NewGuid().ToString("N")[..12];
        var (own, derived) = ($"mlstack-lookup-test/own:{id}", $"mlstack-lookup-test-other/derived:{id}");
        try
        {
            await LocalImages.BuildAsync(local, own, $"FROM {FixtureImage.Name}\nLABEL {ImageSetBuilder.ContextHashLabel}={id}\n", new Dictionary<string, byte[]>());
            await LocalImages.BuildAsync(local, derived, $"FROM {own}\nLABEL io.mlstack.test=derived\n", new Dictionary<string, byte[]>());
            var ownId = (await local.Images.InspectImageAsync(own, ct)).ID;
            Assert.NotEqual(ownId, (await local.Images.InspectImageAsync(derived, ct)).ID);

            using var engine = new ImageEngine(EngineProbe.Client(EngineProbe.Endpoint().Endpoint));
            Assert.Equal(ownId, (await engine.FindByLabelAsync(ImageSetBuilder.ContextHashLabel, id, "mlstack-lookup-test/own", ct))?.ID);
            Assert.Null(await engine.FindByLabelAsync(ImageSetBuilder.ContextHashLabel, id, "mlstack-lookup-test/none", ct));
        }
        finally
        {
            await LocalImages.RemoveAsync(local, derived, own);
        }
    }
}
