namespace Mlstack.Tests.Support;

/// <summary>The checkout the tests were built from (the folder holding build.sh).</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "build.sh")))
                return dir.FullName;
        }

        throw new InvalidOperationException("build.sh not found above the test binaries.");
    }
}
