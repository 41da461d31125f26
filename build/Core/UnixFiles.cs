using System.Runtime.InteropServices;

namespace Mlstack.Build.Core;

/// <summary>Files only some may read, on this machine: written owner-only from their first byte, then given to a group
/// with their final mode. .NET has no chown; these few libc calls are the build's only ones.</summary>
public static class UnixFiles
{
    public static bool IsRoot => !OperatingSystem.IsWindows() && geteuid() == 0;

    /// <summary>The group a file of ours is given to: <paramref name="asRoot"/> when we are root (we may give it
    /// away), else our own primary group.</summary>
    public static int GroupFor(int asRoot) => OperatingSystem.IsWindows() || IsRoot ? asRoot : (int)getegid();

    /// <summary>Creates <paramref name="path"/> (it must not exist) readable and writable by its owner only.</summary>
    public static void WriteOwnerOnly(string path, ReadOnlySpan<byte> content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var file = new FileStream(path, options);
        file.Write(content);
    }

    /// <summary>Gives <paramref name="path"/> to <paramref name="group"/> (the owner stays), then sets its mode.</summary>
    public static void GiveToGroup(string path, int group, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
            return;
        if (chown(path, -1, group) != 0)
            throw new IOException($"cannot give {path} to group {group} (errno {Marshal.GetLastPInvokeError()})");
        File.SetUnixFileMode(path, mode);
    }

#pragma warning disable SYSLIB1054, CA5392 // a plain libc call; .NET has no chown
    [DllImport("libc", SetLastError = true)]
    private static extern int chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int owner, int group);

    [DllImport("libc")]
    private static extern uint geteuid();

    [DllImport("libc")]
    private static extern uint getegid();
#pragma warning restore SYSLIB1054, CA5392
}
