using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;

namespace Mlstack.Build.Images;

/// <summary>A build context as the engine receives it: a tar of the folder less what .dockerignore excludes, plus
/// the extra CA certificates under .mlstack-ca/ (always present, maybe empty, so Dockerfiles can COPY it). Its hash
/// covers every byte sent plus the build's inputs, so equal hashes mean an identical build.</summary>
public sealed class BuildContext : IDisposable
{
    public const string CaFolder = ".mlstack-ca";

    private BuildContext(MemoryStream tar, string hash)
    {
        Tar = tar;
        Hash = hash;
    }

    public MemoryStream Tar { get; }
    public string Hash { get; }

    /// <param name="buildInputs">Everything else that changes the result: Dockerfile name, target, args, base image id.</param>
    public static async Task<BuildContext> CreateAsync(string directory, IReadOnlyList<string> caFiles, string buildInputs, CancellationToken ct)
    {
        var ignore = DockerIgnore.ForContext(directory);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(buildInputs + "\n"));
        var tar = new MemoryStream();
        // ustar, not PAX: the engine sniffs only the first 512 bytes to tell a tar from a bare Dockerfile.
        await using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
        {
            var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                .Select(f => (Full: f, Relative: Path.GetRelativePath(directory, f).Replace('\\', '/')))
                .Where(f => !ignore.IsExcluded(f.Relative) || f.Relative is "Dockerfile" or ".dockerignore")
                .OrderBy(f => f.Relative, StringComparer.Ordinal);
            foreach (var (full, relative) in files)
            {
                var bytes = await File.ReadAllBytesAsync(full, ct).ConfigureAwait(false);
                var mode = OperatingSystem.IsWindows() ? (UnixFileMode)0b110_100_100 : File.GetUnixFileMode(full);
                Append(hash, relative, bytes, mode);
                await WriteAsync(writer, relative, bytes, mode, ct).ConfigureAwait(false);
            }

            await writer.WriteEntryAsync(new UstarTarEntry(TarEntryType.Directory, CaFolder + "/") { Mode = (UnixFileMode)0b111_101_101 }, ct).ConfigureAwait(false);
            for (var i = 0; i < caFiles.Count; i++)
            {
                var bytes = await File.ReadAllBytesAsync(caFiles[i], ct).ConfigureAwait(false);
                var name = $"{CaFolder}/extra-{i}.crt";
                Append(hash, name, bytes, (UnixFileMode)0b110_100_100);
                await WriteAsync(writer, name, bytes, (UnixFileMode)0b110_100_100, ct).ConfigureAwait(false);
            }
        }

        tar.Position = 0;
        return new BuildContext(tar, Convert.ToHexStringLower(hash.GetHashAndReset())[..16]);
    }

    private static void Append(IncrementalHash hash, string name, byte[] bytes, UnixFileMode mode)
    {
        hash.AppendData(Encoding.UTF8.GetBytes($"{name}\0{(int)mode}\0{bytes.Length}\0"));
        hash.AppendData(bytes);
    }

    private static async Task WriteAsync(TarWriter writer, string name, byte[] bytes, UnixFileMode mode, CancellationToken ct)
    {
        // Fixed times and owners: the tar depends on content only.
        var entry = new UstarTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(bytes),
            Mode = mode,
            ModificationTime = DateTimeOffset.UnixEpoch,
        };
        await writer.WriteEntryAsync(entry, ct).ConfigureAwait(false);
    }

    public void Dispose() => Tar.Dispose();
}
