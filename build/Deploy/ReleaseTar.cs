using System.Formats.Tar;

namespace Mlstack.Build.Deploy;

/// <summary>A release's files as one tar, with their modes and a fixed time: the same files make the same bytes.</summary>
public static class ReleaseTar
{
    public static byte[] Of(IEnumerable<ReleaseFile> files)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var file in files)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, file.RelativePath)
                {
                    Mode = file.Mode,
                    ModificationTime = DateTimeOffset.UnixEpoch,
                    DataStream = new MemoryStream(file.Content, writable: false),
                });
            }
        }

        return buffer.ToArray();
    }
}
