using System.Text;
using Docker.DotNet;

namespace Mlstack.Build.Engine;

/// <summary>Reading the engine's multiplexed output streams (a container's logs, an exec's output).</summary>
public static class EngineStreams
{
    /// <summary>The output to its end, standard output also line by line as it arrives (a batch reports its probes
    /// one by one; a helper's progress is printed as it goes).</summary>
    public static async Task<(string Stdout, string Stderr)> ReadAsync(MultiplexedStream stream, Action<string>? onStdoutLine, CancellationToken ct = default)
    {
        if (onStdoutLine == null)
            return await stream.ReadOutputToEndAsync(ct).ConfigureAwait(false);
        var (stdout, stderr, pending) = (new StringBuilder(), new StringBuilder(), new StringBuilder());
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, ct).ConfigureAwait(false);
            if (read.EOF)
                break;
            var text = Encoding.UTF8.GetString(buffer, 0, read.Count);
            if (read.Target != MultiplexedStream.TargetStream.StandardOut)
            {
                stderr.Append(text);
                continue;
            }

            stdout.Append(text);
            pending.Append(text);
            for (var newline = pending.ToString().IndexOf('\n', StringComparison.Ordinal); newline >= 0; newline = pending.ToString().IndexOf('\n', StringComparison.Ordinal))
            {
                onStdoutLine(pending.ToString(0, newline));
                pending.Remove(0, newline + 1);
            }
        }

        return (stdout.ToString(), stderr.ToString());
    }
}
