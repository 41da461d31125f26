using Mlstack.Build.Deploy;

namespace Mlstack.Tests.Deploy;

/// <summary>A release's digest: what decides whether a deploy makes a new release or finds nothing changed.</summary>
public sealed class ReleaseBundleTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static ReleaseFile[] Files(string env = "A=1\n", string compose = "services: {}\n", UnixFileMode envMode = Private) =>
        [new("compose.yaml", System.Text.Encoding.UTF8.GetBytes(compose), Private | UnixFileMode.OtherRead), new(".env", System.Text.Encoding.UTF8.GetBytes(env), envMode)];

    [Fact]
    public void The_same_files_in_any_order_have_the_same_digest()
    {
        Assert.Equal(ReleaseBundle.Hash(Files()), ReleaseBundle.Hash([.. Files().Reverse()]));
        Assert.Matches("^[0-9a-f]{64}$", ReleaseBundle.Hash(Files()));
    }

    [Fact]
    public void One_setting_one_compose_line_or_one_mode_changes_it()
    {
        var digest = ReleaseBundle.Hash(Files());
        Assert.NotEqual(digest, ReleaseBundle.Hash(Files(env: "A=2\n")));
        Assert.NotEqual(digest, ReleaseBundle.Hash(Files(compose: "services: {x: {}}\n")));
        Assert.NotEqual(digest, ReleaseBundle.Hash(Files(envMode: Private | UnixFileMode.OtherRead)));
    }

    [Fact]
    public void A_file_moved_to_another_name_changes_it()
    {
        ReleaseFile[] moved = [new("compose.prod.yaml", "services: {}\n"u8.ToArray(), Private | UnixFileMode.OtherRead), Files()[1]];
        Assert.NotEqual(ReleaseBundle.Hash(Files()), ReleaseBundle.Hash(moved));
    }
}
