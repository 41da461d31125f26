using Mlstack.Build.Backup;
using Mlstack.Tests.Stack;

namespace Mlstack.Tests.Backup;

/// <summary>The backup helper is started by the build, not compose: its container is held to the stack's rule
/// (LeastPrivilege) here, with the three capabilities it needs to copy other users' files with their owners.</summary>
public sealed class BackupHelperContainerTests
{
    [Fact]
    public void The_helper_keeps_only_chown_dac_override_and_fowner_gains_no_privilege_and_has_a_read_only_root()
    {
        var run = new HelperRun("mlstack/backup:x", ["backup"], new Dictionary<string, string>(), ["stage:/stage"], "net", new Dictionary<string, string> { ["restic"] = "pw" });

        var created = BackupEngine.HelperContainer(run);
        var host = created.HostConfig!;

        Assert.Equal(["ALL"], host.CapDrop);
        Assert.Equal(["CHOWN", "DAC_OVERRIDE", "FOWNER"], host.CapAdd);
        Assert.Equal(["no-new-privileges:true"], host.SecurityOpt);
        Assert.True(host.ReadonlyRootfs);
        Assert.Equal(["/root", "/tmp"], host.Tmpfs!.Keys.Order());
        // The secrets go into a volume of the container's own (the engine copies nothing into a read-only root).
        Assert.Equal([BackupEngine.SecretsPath], created.Volumes!.Keys);
        Assert.Equal(["stage:/stage"], host.Binds);
        Assert.Equal("net", host.NetworkMode);
    }
}
