using Mlstack.Build.Engine;

namespace Mlstack.Tests.Site;

/// <summary>Compose is found the same way here and on a VM; only how a command runs differs.</summary>
public sealed class ComposeDiscoveryTests
{
    [Fact]
    public async Task The_v2_plugin_wins_when_it_answers()
    {
        var found = await ComposeDiscovery.FindAsync((file, _, _) => Task.FromResult<(int, string)?>((0, "v2.27.1\n")), TestContext.Current.CancellationToken);

        Assert.Equal("docker", found?.Candidate.File);
        Assert.Equal("2.27.1", found?.Version);
    }

    [Fact]
    public async Task Without_the_plugin_v1_is_taken_and_its_last_line_is_the_version()
    {
        var asked = new List<string>();
        var found = await ComposeDiscovery.FindAsync((file, arguments, _) =>
        {
            asked.Add(string.Join(' ', [file, .. arguments]));
            return Task.FromResult<(int, string)?>(file == "docker" ? (1, "docker: 'compose' is not a docker command.") : (0, "warning: old\n1.29.2"));
        }, TestContext.Current.CancellationToken);

        Assert.Equal(["docker compose version --short", "docker-compose version --short"], asked);
        Assert.Equal("docker-compose", found?.Candidate.File);
        Assert.Empty(found?.Candidate.Prefix ?? ["?"]);
        Assert.Equal("1.29.2", found?.Version);
    }

    [Fact]
    public async Task Nothing_installed_is_no_compose()
    {
        Assert.Null(await ComposeDiscovery.FindAsync((_, _, _) => Task.FromResult<(int, string)?>(null), TestContext.Current.CancellationToken));
    }
}
