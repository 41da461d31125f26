namespace Mlstack.Tests.Support;

/// <summary>A throwaway repository root (a folder with .nuke) for one test.</summary>
internal sealed class TempRoot : IDisposable
{
    public TempRoot()
    {
        Path = Directory.CreateTempSubdirectory("mlstack-test-").FullName;
        Directory.CreateDirectory(System.IO.Path.Combine(Path, ".nuke"));
    }

    public string Path { get; }

    public void WriteNuke(string fileName, string content) =>
        File.WriteAllText(System.IO.Path.Combine(Path, ".nuke", fileName), content);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
