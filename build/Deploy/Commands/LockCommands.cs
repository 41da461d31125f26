using System.Globalization;
using Mlstack.Build.Remote;

namespace Mlstack.Build.Deploy.Commands;

/// <summary>The deploy lock's command lines (see <see cref="DeployLock"/>): pure, tested by value.</summary>
public static class LockCommands
{
    /// <summary>The exit code of <see cref="Acquire"/> when another deploy holds the lock.</summary>
    public const int HeldElsewhere = 75;

    /// <summary>Takes a kernel flock on &lt;deploy-path&gt;/.lock (at once, or waiting up to <paramref name="wait"/>),
    /// writes <paramref name="holderJson"/> to lock.json, then holds the lock by sleeping for <paramref name="hold"/>:
    /// the lock lasts as long as this command does.</summary>
    public static string Acquire(string deployPath, string holderJson, TimeSpan wait, TimeSpan hold)
    {
        var (lockFile, infoFile) = (Q($"{deployPath}/.lock"), Q(HolderFile(deployPath)));
        var flock = wait > TimeSpan.Zero ? $"-w {Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture)}" : "-n";
        return $"umask 077; mkdir -p {Q(deployPath)} && exec 9>>{lockFile} && {{ flock {flock} 9 || exit {HeldElsewhere}; }}"
            + $" && printf '%s' {Q(holderJson)} > {infoFile}.tmp && mv {infoFile}.tmp {infoFile} && exec sleep {((int)hold.TotalSeconds).ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>lock.json: the last holder, written by <see cref="Acquire"/> once it holds the lock.</summary>
    public static string ReadHolder(string deployPath) => $"cat {Q(HolderFile(deployPath))} 2>/dev/null";

    private static string HolderFile(string deployPath) => $"{deployPath}/lock.json";

    private static string Q(string word) => AtomicUpload.Quote(word);
}
