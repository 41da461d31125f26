namespace Mlstack.Build.Core;

/// <summary>Replaces every known secret value with *** in text the build is about to print.</summary>
public sealed class SecretMasker
{
    private readonly List<string> _secrets = [];

    /// <summary>Told of each new secret: on GitHub Actions it registers the value with the runner (::add-mask::).</summary>
    internal Action<string>? Added { get; set; }

    public void Add(string? secret)
    {
        // Very short values would mask unrelated text everywhere; such a secret is too weak to guard anyway.
        if (string.IsNullOrEmpty(secret) || secret.Length < 3 || _secrets.Contains(secret))
            return;
        _secrets.Add(secret);
        _secrets.Sort((a, b) => b.Length.CompareTo(a.Length));
        Added?.Invoke(secret);
    }

    public string Mask(string text)
    {
        foreach (var secret in _secrets)
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        return text;
    }
}
