namespace Mlstack.Tests.Support;

/// <summary>The test VM's sshd: key-only root login, forwarding on (the registry tunnel), DOCKER_HOST pointing at
/// the VM's own engine for every session, and nothing read from the host's /etc/ssh.</summary>
internal static class VmSshdConfig
{
    public static string Text(string directory, string address, string engineSocket) => $"""
        ListenAddress {address}
        Port 22
        HostKey {directory}/sshd/host_key
        PidFile {directory}/sshd/sshd.pid
        PermitRootLogin prohibit-password
        PubkeyAuthentication yes
        AuthorizedKeysFile /root/.ssh/authorized_keys
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        AllowTcpForwarding yes
        SetEnv DOCKER_HOST=unix://{engineSocket}
        Subsystem sftp /usr/lib/openssh/sftp-server
        """;
}
