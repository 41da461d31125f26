using Mlstack.Build.Core;
using Mlstack.Build.Remote;
using Mlstack.Build.Tooling;

namespace Mlstack.Tests.Remote;

/// <summary>A first Deploy on a fresh machine installs docker-registry itself when it can (root, apt-get) and otherwise
/// stops with one line naming the package. The machine is faked — what is on PATH, whether apt may run, the install —
/// so the decision runs here without root; the install itself is <see cref="DebianPackages"/>, shared with Doctor.</summary>
public sealed class RegistryToolTests : IDisposable
{
    private readonly StringWriter _said = new();
    private readonly List<(string Target, IReadOnlyList<string> Packages)> _installs = [];

    private BuildLog Log => new(_said, new SecretMasker(), color: false);

    private RegistryTool.Machine Machine(bool present, bool canInstall) => new(
        name => present && name == "docker-registry",
        () => canInstall,
        (target, packages, _, _) =>
        {
            _installs.Add((target, packages));
            return Task.CompletedTask;
        });

    [Fact]
    public async Task Missing_as_root_with_apt_get_installs_it_and_says_why()
    {
        await RegistryTool.EnsureAsync(Machine(present: false, canInstall: true), Log, TestContext.Current.CancellationToken);

        var install = Assert.Single(_installs);
        Assert.Equal("Deploy", install.Target);
        Assert.Equal(["docker-registry"], install.Packages);
        Assert.Contains("Deploy: docker-registry is not installed; installing it with apt-get (it moves images to the VM without a registry anywhere)", _said.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_where_it_cannot_install_stops_with_one_line_naming_the_package()
    {
        var error = await Assert.ThrowsAsync<ToolNotFoundException>(
            () => RegistryTool.EnsureAsync(Machine(present: false, canInstall: false), Log, TestContext.Current.CancellationToken));

        Assert.Equal("docker-registry", error.Tool);
        Assert.Equal("docker-registry is not installed; apt-get install docker-registry (it moves images to the VM without a registry anywhere).", error.Message);
        Assert.Empty(_installs);
    }

    [Fact]
    public async Task Present_installs_nothing_and_says_nothing()
    {
        await RegistryTool.EnsureAsync(Machine(present: true, canInstall: true), Log, TestContext.Current.CancellationToken);

        Assert.Empty(_installs);
        Assert.Equal("", _said.ToString());
    }

    public void Dispose() => _said.Dispose();
}
