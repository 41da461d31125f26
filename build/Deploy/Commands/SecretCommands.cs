using Mlstack.Build.Remote;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Deploy.Commands;

/// <summary>The command lines of <see cref="ReleaseSecrets"/>: the stack's secret files on the VM, each in a folder
/// named by its keyed version (<see cref="StackSecrets.PathOf"/>). Pure, tested by value.</summary>
public static class SecretCommands
{
    public static string Root(string deployPath) => $"{deployPath}/secrets";

    /// <summary>The version key: made once on the VM (owner-only), printed in base64. It stays on the VM, so every
    /// machine that deploys there names the same secret by the same path.</summary>
    public static string VersionKey(string deployPath) =>
        $"set -e; umask 077; mkdir -p {Q(Root(deployPath))}; chmod 700 {Q(Root(deployPath))}; key={Q($"{Root(deployPath)}/.version-key")}; "
        + "[ -s \"$key\" ] || head -c 32 /dev/urandom > \"$key\"; base64 -w0 < \"$key\"";

    public static string Exists(string file) => $"test -f {Q(file)}";

    public static string Partial(string file) => $"{Path.GetDirectoryName(file)}.partial/{Path.GetFileName(file)}";

    /// <summary>The uploaded file (0400) becomes readable by the secrets' group, then its folder takes its real name.</summary>
    public static string Publish(string file, int group)
    {
        var folder = Path.GetDirectoryName(file)!;
        return $"set -e; chgrp {group} {Q(Partial(file))}; chmod 440 {Q(Partial(file))}; chmod 700 {Q(folder + ".partial")}; "
            + $"rm -rf {Q(folder)}; mv -T {Q(folder + ".partial")} {Q(folder)}";
    }

    /// <summary>Removes every secret folder no release's settings name any more (a rotated password's old file goes
    /// with the last release that used it), and any half-written one.</summary>
    public static string Prune(string deployPath) =>
        $"for folder in {Q(Root(deployPath))}/*/; do folder=${{folder%/}}; "
        + $"grep -qsF \"$folder/\" {Q(ReleaseCommands.ReleasesDirectory(deployPath))}/*/.env || rm -rf \"$folder\"; done";

    private static string Q(string word) => AtomicUpload.Quote(word);
}
