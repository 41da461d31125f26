using Mlstack.Build.Core;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Mlstack.Build.Remote;

/// <summary>The client's private keys: <c>--ssh-key FILE</c>, else the usual ~/.ssh defaults that exist, as ssh(1)
/// tries them. There is no agent and no passphrase prompt: a key with a passphrase is refused in one line.</summary>
internal static class SshKeyFiles
{
    private static readonly string[] Defaults = ["id_ed25519", "id_ecdsa", "id_rsa"];

    /// <summary>The first of the ~/.ssh defaults that exists, for a client that is not ours (restic's ssh).</summary>
    public static string? DefaultPath() =>
        Defaults.Select(name => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", name)).FirstOrDefault(File.Exists);

    /// <param name="keyFile">A key file's path, or the key itself (its text, as CI hands a secret over).</param>
    public static IReadOnlyList<PrivateKeyFile> Load(string? keyFile)
    {
        if (keyFile?.Contains("-----BEGIN ", StringComparison.Ordinal) == true)
            return [FromText(keyFile)];
        if (!string.IsNullOrWhiteSpace(keyFile))
            return [Open(keyFile)];
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var found = Defaults.Select(name => Path.Combine(home, ".ssh", name)).Where(File.Exists).Select(Open).ToList();
        return found.Count > 0 ? found
            : throw new BuildInputException($"No SSH key: none of ~/.ssh/{string.Join(", ~/.ssh/", Defaults)} exists; give one with --ssh-key FILE.");
    }

    private static PrivateKeyFile FromText(string key)
    {
        try
        {
            // Secrets pasted into a CI form often lose the final newline, which the PEM reader needs.
            return new PrivateKeyFile(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(key.ReplaceLineEndings("\n").Trim() + "\n")));
        }
        // InvalidOperationException is SSH.NET's key reader's, for a key it cannot parse.
        catch (Exception e) when (e is SshException or SshPassPhraseNullOrEmptyException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new BuildInputException($"Parameter --ssh-private-key: not a usable private key ({e.Message.TrimEnd('.')}); give an unencrypted OpenSSH or PEM private key.");
        }
    }

    private static PrivateKeyFile Open(string path)
    {
        try
        {
            return new PrivateKeyFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BuildInputException($"Parameter --ssh-key: cannot read {path} ({e.Message.TrimEnd('.')}); give a readable private key file.");
        }
        // InvalidOperationException is SSH.NET's key reader's, for a key it cannot parse.
        catch (Exception e) when (e is SshException or SshPassPhraseNullOrEmptyException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new BuildInputException($"Parameter --ssh-key: {path} is not a usable private key ({e.Message.TrimEnd('.')}); give an unencrypted OpenSSH or PEM private key.");
        }
    }
}
