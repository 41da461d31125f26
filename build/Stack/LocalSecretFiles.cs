using System.Security.Cryptography;
using Mlstack.Build.Core;

namespace Mlstack.Build.Stack;

/// <summary>The stack's secrets as files on this machine (<see cref="StackSecrets"/>): under a folder only the build's
/// user may enter (0700), each file 0440, owned by that user and by the group the services get to read it — root's
/// own <see cref="StackSecrets.RootGroup"/>, or the build user's primary group when it is not root (only root may
/// give a file away). Written before compose runs; a secret's earlier versions are removed.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static class LocalSecretFiles
{
    private const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
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

    public static int Group() => UnixFiles.GroupFor(StackSecrets.RootGroup);

    private static void Publish(string path, string content, int group)
    {
        var folder = Path.GetDirectoryName(path)!;
        var partial = folder + ".partial";
        if (Directory.Exists(partial))
            Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial, Owner);
        var file = Path.Combine(partial, Path.GetFileName(path));
        UnixFiles.WriteOwnerOnly(file, System.Text.Encoding.UTF8.GetBytes(content));
        UnixFiles.GiveToGroup(file, group, Readable);
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
        UnixFiles.WriteOwnerOnly(path, key);
        return key;
    }
}
