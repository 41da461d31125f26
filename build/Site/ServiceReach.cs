namespace Mlstack.Build.Site;

/// <summary>An HTTP address on a site's network as this machine reaches it: directly, or through an SSH tunnel
/// (<paramref name="Handler"/> then keeps to one connection at a time, as the forward serves one).</summary>
/// <param name="Tunnel">The forward to close when done, or null when the address is reached directly.</param>
public sealed record ServiceReach(Uri Url, HttpMessageHandler? Handler, IDisposable? Tunnel) : IDisposable
{
    public void Dispose() => Tunnel?.Dispose();
}
