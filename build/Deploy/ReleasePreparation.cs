using Mlstack.Build.Deploy.Commands;
using Mlstack.Build.Remote;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Deploy;

/// <summary>The files of a new release: the stack's settings, plus where its config and its secret files live on the
/// VM, the VM engine's socket (for the scaler's mount), and each image's reference.</summary>
public static class ReleasePreparation
{
    /// <param name="stackSettings">The stack's variables (env file, overridden by the environment).</param>
    /// <param name="imageVariables">Each image's variable (<c>ML_SERVICE_IMAGE</c>, …) → its content-tagged reference.</param>
    /// <param name="liveEdgeFolder">The edge reads its routes from one live folder that each release's start syncs and
    /// the edge reloads (one VM); false: from the release's own content-addressed copy, the same path on every node
    /// (a swarm, where a changed route is a new edge spec, rolled like any change); its TLS mount too, unless the
    /// settings name a certificate folder.</param>
    public static async Task<IReadOnlyList<ReleaseFile>> FilesAsync(IRemoteShell vm, string deployPath, ComposeProject project,
        IReadOnlyDictionary<string, string> stackSettings, IReadOnlyDictionary<string, string> imageVariables, bool liveEdgeFolder = true, CancellationToken ct = default)
    {
        var settings = new Dictionary<string, string>(stackSettings)
        {
            ["MLSTACK_EDGE_CONFIG"] = ReleaseCommands.EdgeDirectory(deployPath),
            ["DOCKER_SOCKET"] = await EngineSocketAsync(vm, ct).ConfigureAwait(false),
        };
        foreach (var (variable, folder) in await ReleaseConfig.UploadAsync(vm, deployPath, project, ct).ConfigureAwait(false))
            settings[variable] = folder;
        if (!liveEdgeFolder && settings.TryGetValue(ReleaseConfig.Variable("edge"), out var edge))
        {
            settings["MLSTACK_EDGE_CONFIG"] = $"{edge}/edge";
            settings.TryAdd("MLSTACK_EDGE_TLS", $"{edge}/edge"); // no certificate taken to the nodes: the mount's placeholder
        }
        foreach (var (variable, file) in await ReleaseSecrets.UploadAsync(vm, deployPath, stackSettings, ct).ConfigureAwait(false))
            settings[variable] = file;
        foreach (var (variable, reference) in imageVariables)
            settings[variable] = reference;
        return ReleaseBundle.Files(project, settings);
    }

    /// <summary>The VM engine's socket: the one its sessions' DOCKER_HOST names, else the default.</summary>
    public static async Task<string> EngineSocketAsync(IRemoteShell vm, CancellationToken ct = default)
    {
        var host = (await vm.RunAsync(ReleaseCommands.DockerHost, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false)).Output.Trim();
        return host.StartsWith("unix://", StringComparison.Ordinal) ? host["unix://".Length..] : "/var/run/docker.sock";
    }
}
