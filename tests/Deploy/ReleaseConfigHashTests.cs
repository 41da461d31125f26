using Mlstack.Build.Core;
using Mlstack.Build.Deploy;

namespace Mlstack.Tests.Deploy;

/// <summary>A config entry's hash names its folder on every VM deployed to (&lt;entry&gt;-&lt;hash&gt;): the values
/// below were made by the scheme those folders were named with, so a change that renames them fails here first.</summary>
public sealed class ReleaseConfigHashTests
{
    [Fact]
    public void The_same_files_keep_the_name_their_folder_was_deployed_under()
    {
        Assert.Equal("aafeb618dd722865", ReleaseConfig.Hash(
        [
            ("edge/upstreams/ml.conf", "upstream ml {}\n"u8.ToArray()),
            ("edge/site.conf", "server { listen 80; }\n"u8.ToArray()),
        ]));
        Assert.Equal("00388205f64e46ce", ReleaseConfig.Hash([("autoscale.yaml", "tiers: []\n"u8.ToArray())]));
    }

    [Fact]
    public void It_is_the_folder_hash_cut_to_16_characters()
    {
        (string, byte[])[] files = [("postgres/init.sql", "select 1;\n"u8.ToArray())];

        Assert.Equal(FolderHash.Of(files)[..16], ReleaseConfig.Hash(files));
    }
}
