using Docker.DotNet.Models;

namespace Mlstack.Build.Remote;

/// <summary>Runs the callback on the engine's reading thread, in order: Progress&lt;T&gt; posts to the thread pool,
/// so its last messages could arrive after the call has returned. An error the engine reports in the stream (a push
/// or pull while shipping) fails the call.</summary>
internal sealed class EngineProgress(Action<JSONMessage> onMessage) : IProgress<JSONMessage>
{
    public void Report(JSONMessage value)
    {
        if (value.Error != null)
            throw new ImageShipException($"The engine reported: {value.Error.Message}");
        onMessage(value);
    }
}
