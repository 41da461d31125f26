using Mlstack.Build.Core;

namespace Mlstack.Build.Host;

/// <summary>The repository root is the nearest folder holding .nuke, from the working directory, else from the
/// build program itself (so ./build.sh works from any folder).</summary>
internal static class RootFinder
{
    public static string Find(string? given)
    {
        if (given != null)
        {
            var full = Path.GetFullPath(given);
            return Directory.Exists(full)
                ? full
                : throw new BuildInputException($"--root {given}: no such folder.");
        }

        return Upward(Directory.GetCurrentDirectory())
            ?? Upward(AppContext.BaseDirectory)
            ?? throw new BuildInputException(
                $"No .nuke folder in {Directory.GetCurrentDirectory()} or above it; run from inside the repository or pass --root DIR.");
    }

    private static string? Upward(string start)
    {
        for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, ".nuke")))
                return dir.FullName;
        }

        return null;
    }
}
