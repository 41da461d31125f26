using Mlstack.Build.Core;

namespace Mlstack.Build.Stack;

/// <summary>The edge's routes on this machine: stack/config/edge, which the edge mounts as it is (MLSTACK_EDGE_CONFIG's
/// default), so an edit there is applied by the next Up's reload.</summary>
public static class EdgeRoutesFolder
{
    /// <summary>A hash of the folder's own files, names and contents (<see cref="FolderHash"/>), or null when there is
    /// none. Only ever compared with the one the last Up on this machine recorded (<see cref="UpRecord.EdgeConfig"/>);
    /// on a VM the edge's hash comes from the VM itself.</summary>
    public static string? Hash(string composeDirectory)
    {
        var folder = Path.Combine(composeDirectory, "config", "edge");
        return Directory.Exists(folder) ? FolderHash.Of(FolderHash.Read(folder, Directory.GetFiles(folder))) : null;
    }
}
