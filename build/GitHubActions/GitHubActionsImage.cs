namespace Mlstack.Build.GitHubActions;

/// <summary>GitHub-hosted runner images the workflows may run on (NUKE's GitHubActionsImage).</summary>
public enum GitHubActionsImage
{
    UbuntuLatest,
    Ubuntu2404,
    Ubuntu2204,
}

internal static class GitHubActionsImageLabels
{
    /// <summary>The runs-on label.</summary>
    public static string Label(this GitHubActionsImage image) => image switch
    {
        GitHubActionsImage.UbuntuLatest => "ubuntu-latest",
        GitHubActionsImage.Ubuntu2404 => "ubuntu-24.04",
        GitHubActionsImage.Ubuntu2204 => "ubuntu-22.04",
        _ => throw new ArgumentOutOfRangeException(nameof(image), image, "not a GitHub-hosted image this build knows"),
    };
}
