namespace Mlstack.Tests.Remote;

/// <summary>A seekable stream whose Length promises more than it yields: a connection cut mid-upload, as the
/// VM sees it.</summary>
internal sealed class ShortStream(byte[] content, long claimedLength) : MemoryStream(content)
{
    public override long Length => claimedLength;
}
