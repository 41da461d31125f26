using Renci.SshNet;

namespace Mlstack.Build.Remote;

/// <summary>Stops a forward (either way) and lets the client forget it, so a closed forward frees its port.</summary>
internal sealed class PortForward(SshClient client, ForwardedPort port) : IDisposable
{
    public void Dispose()
    {
        // A lost connection has already dropped a remote forward on the VM; stopping it would only mask why it was lost.
        try
        {
            if (port.IsStarted && client.IsConnected)
                port.Stop();
            if (client.ForwardedPorts.Contains(port))
                client.RemoveForwardedPort(port); // stops the port again, which throws once the connection is gone
        }
        catch (Renci.SshNet.Common.SshConnectionException)
        {
            // the connection is gone, and with it the forward on the VM
        }

        port.Dispose();
    }
}
