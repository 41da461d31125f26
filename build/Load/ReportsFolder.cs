namespace Mlstack.Build.Load;

/// <summary>Where the reports go, and how a message names that folder: relative to the repository, so a success
/// line reads the same on every machine.</summary>
public sealed record ReportsFolder(string Directory, string RootDirectory)
{
    public string Shown => Path.GetRelativePath(RootDirectory, Directory);
}
