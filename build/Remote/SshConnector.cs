using System.Net.Sockets;
using Mlstack.Build.Core;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Mlstack.Build.Remote;

/// <summary>Opens the SSH connection: a finite connect timeout, keepalives on, and the host key judged in
/// HostKeyReceived — during key exchange, before authentication, so nothing can run on a host we do not trust.</summary>
internal static class SshConnector
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    public static async Task<(SshClient Client, string Fingerprint)> ConnectAsync(SshTarget target, HostKeyTrust trust, string? keyFile, CancellationToken ct)
    {
        var keys = SshKeyFiles.Load(keyFile);
        var connection = new ConnectionInfo(target.Host, target.Port, target.User, new PrivateKeyAuthenticationMethod(target.User, [.. keys]))
        {
            Timeout = ConnectTimeout,
        };
        var client = new SshClient(connection) { KeepAliveInterval = KeepAliveInterval };
        HostKeyRejectedException? rejected = null;
        string? fingerprint = null;
        client.HostKeyReceived += (_, e) =>
        {
            fingerprint = HostKeyTrust.Fingerprint(e.HostKey);
            var verdict = trust.Judge(target, e.HostKey);
            e.CanTrust = verdict == HostKeyVerdict.Trusted;
            if (!e.CanTrust)
                rejected = HostKeyRejectedException.For(verdict, target, HostKeyTrust.KeyType(e.HostKey), fingerprint, trust.Source);
        };

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(ConnectTimeout);
        try
        {
            await client.ConnectAsync(limit.Token).ConfigureAwait(false);
            return (client, fingerprint!);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            client.Dispose();
            throw rejected ?? e switch
            {
                SshAuthenticationException => new BuildInputException(
                    $"{target} refused the SSH key ({e.Message.TrimEnd('.')}); give the VM's deploy key with --ssh-key FILE."),
                SocketException or SshConnectionException or SshOperationTimeoutException or OperationCanceledException => new BuildInputException(
                    $"Cannot reach {target} over SSH ({(e is OperationCanceledException ? $"no answer within {ConnectTimeout.TotalSeconds:0} s" : e.Message.TrimEnd('.'))}); check --host and that sshd listens there."),
                _ => e,
            };
        }
    }
}
