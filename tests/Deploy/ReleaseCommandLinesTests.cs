using Mlstack.Build.Deploy;
using Mlstack.Build.Deploy.Commands;

namespace Mlstack.Tests.Deploy;

/// <summary>The VM's command lines by value: what runs there is what these say, so a change to one is a change to
/// the VM-side layout, made on purpose.</summary>
public sealed class ReleaseCommandLinesTests
{
    private const string Path = "/srv/mlstack";

    [Fact]
    public void Listing_prints_every_release_json_then_both_links_in_one_round_trip() =>
        Assert.Equal(
            "cd '/srv/mlstack' 2>/dev/null || exit 0; for f in releases/*/release.json; do [ -f \"$f\" ] && cat \"$f\" && echo; done; "
            + "echo \"@current $(readlink current)\"; echo \"@last_good $(readlink last_good)\"",
            ReleaseCommands.List(Path));

    [Fact]
    public void A_link_moves_by_renaming_a_new_one_over_it()
    {
        Assert.Equal("ln -sfn releases/'r1' '/srv/mlstack/.current.tmp' && mv -T '/srv/mlstack/.current.tmp' '/srv/mlstack/current'", ReleaseCommands.Point(Path, ReleaseLink.Current, "r1"));
        Assert.Equal("ln -sfn releases/'r1' '/srv/mlstack/.last_good.tmp' && mv -T '/srv/mlstack/.last_good.tmp' '/srv/mlstack/last_good'", ReleaseCommands.Point(Path, ReleaseLink.LastGood, "r1"));
        Assert.Equal("readlink '/srv/mlstack/last_good'", ReleaseCommands.Resolve(Path, ReleaseLink.LastGood));
    }

    [Fact]
    public void A_release_is_unpacked_beside_its_folder_and_renamed_into_it_whole()
    {
        Assert.Equal("/srv/mlstack/releases/.r1.tar", ReleaseCommands.Archive(Path, "r1"));
        Assert.Equal(
            "umask 077; rm -rf '/srv/mlstack/releases/.r1.partial' && mkdir -p '/srv/mlstack/releases/.r1.partial' && tar -xf '/srv/mlstack/releases/.r1.tar' -C '/srv/mlstack/releases/.r1.partial' --no-same-owner --same-permissions"
            + " && rm -f '/srv/mlstack/releases/.r1.tar' && chmod 700 '/srv/mlstack/releases/.r1.partial' && mv -T '/srv/mlstack/releases/.r1.partial' '/srv/mlstack/releases/r1'",
            ReleaseCommands.Unpack(Path, "r1"));
    }

    [Fact]
    public void Pruning_removes_the_named_folders_and_any_half_written_release()
    {
        Assert.Equal("rm -rf '/srv/mlstack/releases/r1' '/srv/mlstack/releases/r2' '/srv/mlstack'/releases/.*.partial; " + SecretCommands.Prune(Path), ReleaseCommands.Prune(Path, ["r1", "r2"]));
        Assert.Equal("rm -rf  '/srv/mlstack'/releases/.*.partial; " + SecretCommands.Prune(Path), ReleaseCommands.Prune(Path, []));
    }

    [Fact]
    public void An_audit_line_is_appended_owner_only_with_its_quotes_escaped() =>
        Assert.Equal("umask 077; mkdir -p '/srv/mlstack' && printf '%s\\n' '{\"reason\":\"it'\\''s down\"}' >> '/srv/mlstack/audit.log'",
            ReleaseCommands.AppendAudit(Path, "{\"reason\":\"it's down\"}"));

    [Fact]
    public void The_lock_is_refused_at_once_or_waited_for_and_held_by_a_sleeping_command()
    {
        var holder = "{\"user\":\"alice\"}";
        Assert.Equal(
            "umask 077; mkdir -p '/srv/mlstack' && exec 9>>'/srv/mlstack/.lock' && { flock -n 9 || exit 75; }"
            + " && printf '%s' '{\"user\":\"alice\"}' > '/srv/mlstack/lock.json'.tmp && mv '/srv/mlstack/lock.json'.tmp '/srv/mlstack/lock.json' && exec sleep 7200",
            LockCommands.Acquire(Path, holder, TimeSpan.Zero, DeployLock.LongestHold));
        Assert.Contains("{ flock -w 300 9 || exit 75; }", LockCommands.Acquire(Path, holder, TimeSpan.FromMinutes(5), DeployLock.LongestHold), StringComparison.Ordinal);
        Assert.Equal("cat '/srv/mlstack/lock.json' 2>/dev/null", LockCommands.ReadHolder(Path));
    }

    /// <summary>Each entry of stack/config has its own variable in compose.yaml, so a change to one remounts only the
    /// services that use it.</summary>
    [Fact]
    public void Every_config_entry_is_named_to_compose_by_its_own_variable()
    {
        var compose = File.ReadAllText(System.IO.Path.Combine(Support.RepositoryRoot.Path, "stack", "compose.yaml"));
        Assert.DoesNotContain("${MLSTACK_CONFIG:", compose);
        foreach (var entry in new[] { "postgres", "autoscale.yaml", "prometheus" })
            Assert.Contains($"${{{ReleaseConfig.Variable(entry)}:-./config}}/{entry}", compose);
        Assert.Equal("MLSTACK_CONFIG_EDGE", ReleaseConfig.Variable("edge"));
        Assert.Equal("MLSTACK_CONFIG_AUTOSCALE", ReleaseConfig.Variable("autoscale.yaml"));
    }

    [Fact]
    public void Config_is_published_traversable_under_its_content_hash()
    {
        var folder = ConfigCommands.Folder(Path, "postgres", "0123456789abcdef");
        Assert.Equal("/srv/mlstack/config/postgres-0123456789abcdef", folder);
        Assert.Equal("test -d '/srv/mlstack/config/postgres-0123456789abcdef'", ConfigCommands.Exists(folder));
        Assert.Equal("rm -rf '/srv/mlstack/config/postgres-0123456789abcdef.partial'", ConfigCommands.Clear(folder));
        Assert.Equal("find '/srv/mlstack/config/postgres-0123456789abcdef.partial' -type d -exec chmod 755 {} + && mv -T '/srv/mlstack/config/postgres-0123456789abcdef.partial' '/srv/mlstack/config/postgres-0123456789abcdef'",
            ConfigCommands.Publish(folder));
    }

    /// <summary>Run in a real shell on real files: the release's routes land in the one edge folder, readable by the
    /// edge's unprivileged user, and the printed hash changes with them and only with them.</summary>
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task The_edge_routes_of_the_release_its_env_names_are_copied_into_the_one_edge_folder()
    {
        var root = Directory.CreateTempSubdirectory("mlstack-edge-sync-").FullName;
        try
        {
            foreach (var (id, routes) in new[] { ("r1", "server { listen 8080; }\n"), ("r2", "server { listen 8081; }\n") })
            {
                var config = System.IO.Path.Combine(root, "config", $"edge-{id}");
                Directory.CreateDirectory(System.IO.Path.Combine(config, "edge"));
                File.WriteAllText(System.IO.Path.Combine(config, "edge", "site.conf"), routes);
                File.SetUnixFileMode(System.IO.Path.Combine(config, "edge", "site.conf"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
                Directory.CreateDirectory(ReleaseCommands.ReleaseDirectory(root, id));
                File.WriteAllText(System.IO.Path.Combine(ReleaseCommands.ReleaseDirectory(root, id), ".env"), $"A=1\nMLSTACK_CONFIG_EDGE={config}\nB=2\n");
            }

            var first = await Support.ChildProcess.RunAsync("bash", ["-c", ReleaseCommands.SyncEdge(root, "r1")]);
            var again = await Support.ChildProcess.RunAsync("bash", ["-c", ReleaseCommands.SyncEdge(root, "r1")]);
            var synced = System.IO.Path.Combine(ReleaseCommands.EdgeDirectory(root), "site.conf");
            Assert.Equal("server { listen 8080; }\n", File.ReadAllText(synced));
            Assert.True(File.GetUnixFileMode(synced).HasFlag(UnixFileMode.OtherRead), "the edge runs as www-data: its routes must be readable");
            var second = await Support.ChildProcess.RunAsync("bash", ["-c", ReleaseCommands.SyncEdge(root, "r2")]);

            Assert.Equal(0, first.ExitCode);
            Assert.Matches("^[0-9a-f]{64}$", first.Output.Trim());
            Assert.Equal(first.Output.Trim(), again.Output.Trim());
            Assert.NotEqual(first.Output.Trim(), second.Output.Trim());
            Assert.Equal("server { listen 8081; }\n", File.ReadAllText(synced));
            Assert.Equal(["site.conf"], Directory.GetFiles(ReleaseCommands.EdgeDirectory(root)).Select(System.IO.Path.GetFileName));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
