using Mlstack.Build.Deploy.Commands;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Deploy;

/// <summary>The stack's secrets as files on the VM (<see cref="StackSecrets"/>), next to the releases: a folder only
/// root enters (0700), each file 0440 root:<see cref="StackSecrets.RootGroup"/>, which the services that mount it get
/// as a supplementary group. A secret that did not change keeps its path, so compose recreates only the services whose
/// secret did; one that changed is a new path, which the release's rollout treats like any changed setting.</summary>
public static class ReleaseSecrets
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30);

    /// <returns>The compose variables: each secret's path on the VM, and the group.</returns>
    public static async Task<IReadOnlyDictionary<string, string>> UploadAsync(IRemoteShell vm, string deployPath, IReadOnlyDictionary<string, string> settings, CancellationToken ct = default)
    {
        var key = Convert.FromBase64String((await vm.RunAsync(SecretCommands.VersionKey(deployPath), Quick, ct).ConfigureAwait(false)).EnsureSuccess().Output.Trim());
        var secrets = StackSecrets.From(settings);
        var root = SecretCommands.Root(deployPath);
        foreach (var secret in secrets)
        {
            var file = StackSecrets.PathOf(root, key, secret);
            if ((await vm.RunAsync(SecretCommands.Exists(file), Quick, ct).ConfigureAwait(false)).ExitCode == 0)
                continue;
            await vm.UploadAsync(System.Text.Encoding.UTF8.GetBytes(secret.Content), SecretCommands.Partial(file), UnixFileMode.UserRead, ct: ct).ConfigureAwait(false);
            (await vm.RunAsync(SecretCommands.Publish(file, StackSecrets.RootGroup), Quick, ct).ConfigureAwait(false)).EnsureSuccess();
        }

        return StackSecrets.Variables(root, key, secrets, StackSecrets.RootGroup);
    }
}
