using System.Security.Cryptography;
using System.Text;

namespace Mlstack.Build.Tooling;

/// <summary>Remembers a deterministic tool's successful output under a key made of everything that decides it
/// (the tool binary's identity, its arguments, the files and variables it reads), so an unchanged question costs
/// a file read instead of a process start — Compose v1 is a Python program that takes ~0.5 s to start.</summary>
public sealed class ToolOutputCache(string directory)
{
    public async Task<ToolResult> GetOrRunAsync(IEnumerable<string> keyParts, Func<Task<ToolResult>> run, CancellationToken ct)
    {
        var path = Path.Combine(directory, Key(keyParts) + ".txt");
        if (File.Exists(path))
            return new ToolResult(0, await File.ReadAllLinesAsync(path, ct).ConfigureAwait(false));
        var result = await run().ConfigureAwait(false);
        if (result.ExitCode == 0)
        {
            Directory.CreateDirectory(directory);
            // Owner-only from the first byte: a resolved compose config holds the stack's passwords.
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            await using (var writer = new StreamWriter(path + ".tmp", Encoding.UTF8, options))
                await writer.WriteAsync(string.Join('\n', result.Output)).ConfigureAwait(false);
            File.Move(path + ".tmp", path, overwrite: true);
        }

        return result;
    }

    /// <summary>A file's identity for a key: its path, size and modification time, or its content when small.</summary>
    public static string FileIdentity(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            return $"{path}:absent";
        return info.Length < 1_000_000
            ? $"{path}:{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))}"
            : $"{path}:{info.Length}:{info.LastWriteTimeUtc.Ticks}";
    }

    private static string Key(IEnumerable<string> parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))))[..32];
}
