using System.Globalization;
using Renci.SshNet;

namespace Mlstack.Build.Remote;

/// <summary>An upload over a plain exec channel (no SFTP subsystem needed): the bytes go to a temporary file in the
/// target's folder, created under umask 077 so a secret is never readable by others, then the mode is set and the
/// file renamed over the target — readers see the old file or the new one, never a half-written one. The byte count
/// is checked before the rename, so a connection cut mid-way leaves the old file in place.</summary>
internal static class AtomicUpload
{
    public static async Task RunAsync(SshClient client, Stream content, string remotePath, UnixFileMode mode, TimeSpan timeout, CancellationToken ct)
    {
        var buffered = content.CanSeek ? null : new MemoryStream();
        if (buffered != null)
        {
            await content.CopyToAsync(buffered, ct).ConfigureAwait(false);
            buffered.Position = 0;
        }

        var source = buffered ?? content;
        var length = source.Length - source.Position;
        using var command = client.CreateCommand(Script(remotePath, mode, length));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            var execution = command.ExecuteAsync(limit.Token);
            // An empty file gets no input stream: the script makes it without reading (SSH.NET sends no end of input
            // for a stream nothing was written to, and cat would wait for one until the time limit).
            if (length > 0)
            {
                using var input = command.CreateInputStream();
                await source.CopyToAsync(input, limit.Token).ConfigureAwait(false);
            }

            await execution.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SshCommandException($"Uploading {remotePath} did not finish within {SshSession.Describe(timeout)}; the old file is unchanged.", null);
        }
        finally
        {
            buffered?.Dispose();
        }

        new RemoteCommandResult($"upload to {remotePath}", command.ExitStatus ?? -1, command.Result, command.Error).EnsureSuccess();
    }

    /// <summary>POSIX sh; the temporary file is removed on any failure.</summary>
    internal static string Script(string remotePath, UnixFileMode mode, long length)
    {
        var path = Quote(remotePath);
        var octal = Convert.ToString((int)mode, 8).PadLeft(4, '0');
        return $"set -e; umask 077; dir=$(dirname {path}); mkdir -p \"$dir\"; tmp=$(mktemp \"$dir/.upload.XXXXXX\"); "
            + $"trap 'rm -f \"$tmp\"' EXIT; {(length > 0 ? "cat" : ":")} > \"$tmp\"; "
            + $"size=$(wc -c < \"$tmp\"); [ \"$size\" -eq {length.ToString(CultureInfo.InvariantCulture)} ] || {{ echo \"received $size of {length.ToString(CultureInfo.InvariantCulture)} bytes\" >&2; exit 1; }}; "
            + $"chmod {octal} \"$tmp\"; mv -f \"$tmp\" {path}; trap - EXIT";
    }

    /// <summary>Single-quotes a word for sh.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
