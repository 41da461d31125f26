using Docker.DotNet.Models;
using Mlstack.Build.Doctor;
using Mlstack.Build.Remote;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Remote;

/// <summary>The real engine pushing to a registry address that stopped answering (a loopback HTTP server told to
/// stall): the push is given up when no progress comes, tried once more, then named in the error, instead of waiting
/// for ever as a Deploy once did in CI.</summary>
[Trait(TestTiers.Trait, TestTiers.Integration)]
[Collection(EngineTests.Name)]
public sealed class StallGuardTests
{
    [Fact]
    public async Task A_push_that_makes_no_progress_is_given_up_tried_once_more_and_named()
    {
        await Prerequisites.RequireEngineAsync();
        await FixtureImage.EnsureAsync();
        await using var registry = new StallingHttpServer();
        registry.StallFor(TimeSpan.FromMinutes(5));
        using var engine = EngineProbe.Client(EngineProbe.Endpoint().Endpoint);
        var repository = $"127.0.0.1:{registry.Url.Port}/mlstack-stall-test";
        await engine.Images.TagImageAsync(FixtureImage.Name, new ImageTagParameters { RepositoryName = repository, Tag = "1" }, TestContext.Current.CancellationToken);
        try
        {
            var retries = new List<string>();
            var error = await Assert.ThrowsAsync<TimeoutException>(() => StallGuard.RunAsync(
                (progress, token) => engine.Images.PushImageAsync(repository, new ImagePushParameters { Tag = "1" }, new AuthConfig(), progress, token),
                _ => { }, TimeSpan.FromSeconds(3), "the push of the test image", retries.Add, TestContext.Current.CancellationToken));

            Assert.Equal("the push of the test image made no progress for 3 s, twice; nothing was switched: run it again.", error.Message);
            Assert.Equal(["the push of the test image made no progress for 3 s; trying once more (what arrived is kept)."], retries);
        }
        finally
        {
            await engine.Images.DeleteImageAsync($"{repository}:1", new ImageDeleteParameters { NoPrune = true }, CancellationToken.None);
        }
    }
}
