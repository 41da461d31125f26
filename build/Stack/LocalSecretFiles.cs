using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Mlstack.Build.Stack;

/// <summary>The stack's secrets as files on this machine (<see cref="StackSecrets"/>): under a folder only the build's
/// user may enter (0700), each file 0440, owned by that user and by the group the services get to read it — root's
/// own <see cref="StackSecrets.RootGroup"/>, or the build user's primary group when it is not root (only root may
/// give a file away). Written before compose runs; a secret's earlier versions are removed.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static class LocalSecretFiles
{
    private const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private static readonly FileStreamOptions OwnerOnly =
        new() { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.GroupRead;

    /// <returns>The compose variables: each secret's path, and the group.</returns>
    public static Dictionary<string, string> Write(string root, IReadOnlyList<StackSecret> secrets)
    {
        Directory.CreateDirectory(root, Owner);
        File.SetUnixFileMode(root, Owner);
        var key = VersionKey(root);
        var group = Group();
        foreach (var secret in secrets)
        {
            var path = StackSecrets.PathOf(root, key, secret);
            if (!File.Exists(path))
                Publish(path, secret.Content, group);
            foreach (var earlier in Directory.EnumerateDirectories(root, secret.Name + "-*").Where(d => d != Path.GetDirectoryName(path)))
                Directory.Delete(earlier, recursive: true);
        }

        return StackSecrets.Variables(root, key, secrets, group);
    }

    public static int Group() => geteuid() == 0 ? StackSecrets.RootGroup : (int)getegid();

    private static void Publish(string path, string content, int group)
    {
        var folder = Path.GetDirectoryName(path)!;
        var partial = folder + ".partial";
        if (Directory.Exists(partial))
            Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial, Owner);
        var file = Path.Combine(partial, Path.GetFileName(path));
        using (var stream = new FileStream(file, OwnerOnly))
            stream.Write(System.Text.Encoding.UTF8.GetBytes(content));
        if (chown(file, geteuid(), (uint)group) != 0)
            throw new IOException($"Could not give {file} to group {group} (errno {Marshal.GetLastPInvokeError()}).");
        File.SetUnixFileMode(file, Readable);
        Directory.Move(partial, folder);
    }

    /// <summary>The key of <see cref="StackSecrets.Version"/>: random, made once, owner-only.</summary>
    private static byte[] VersionKey(string root)
    {
        var path = Path.Combine(root, ".version-key");
        if (File.Exists(path) && File.ReadAllBytes(path) is { Length: 32 } existing)
            return existing;
        var key = RandomNumberGenerator.GetBytes(32);
        File.Delete(path);
        using (var file = new FileStream(path, OwnerOnly))
            file.Write(key);
        return key;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    [DllImport("libc")]
    private static extern uint geteuid();

    [DllImport("libc")]
    private static extern uint getegid();
}
