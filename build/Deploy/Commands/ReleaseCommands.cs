using Mlstack.Build.Remote;

namespace Mlstack.Build.Deploy.Commands;

/// <summary>The shell command lines of the VM's release store (see <see cref="ReleaseStore"/> for the layout): pure,
/// so they are tested by value and run by whoever holds a shell. Every path is quoted; ids are the store's own.</summary>
public static class ReleaseCommands
{
    public static string ReleasesDirectory(string deployPath) => $"{deployPath}/releases";

    public static string ReleaseDirectory(string deployPath, string id) => $"{deployPath}/releases/{id}";

    /// <summary>Where the release's tar is uploaded before <see cref="Unpack"/>.</summary>
    public static string Archive(string deployPath, string id) => $"{deployPath}/releases/.{id}.tar";

    /// <summary>Unpacks the uploaded tar into a hidden folder, then renames it to the release's: a release appears
    /// whole or not at all.</summary>
    public static string Unpack(string deployPath, string id)
    {
        var (partial, archive) = (Q($"{deployPath}/releases/.{id}.partial"), Q(Archive(deployPath, id)));
        return $"umask 077; rm -rf {partial} && mkdir -p {partial} && tar -xf {archive} -C {partial} --no-same-owner --same-permissions"
            + $" && rm -f {archive} && chmod 700 {partial} && mv -T {partial} {Q(ReleaseDirectory(deployPath, id))}";
    }

    /// <summary>Swaps the link atomically: a new link renamed over the old.</summary>
    public static string Point(string deployPath, ReleaseLink link, string id)
    {
        var temporary = Q($"{deployPath}/.{link.FileName()}.tmp");
        return $"ln -sfn releases/{Q(id)} {temporary} && mv -T {temporary} {Q($"{deployPath}/{link.FileName()}")}";
    }

    /// <summary>Where the VM keeps what the last Up left running there (<see cref="Stack.UpRecord"/>): on the VM, not on
    /// the machine that deploys, so that a deploy from a fresh checkout (CI) knows it too and changes only what changed.</summary>
    public static string UpRecordFile(string deployPath, string project) => $"{deployPath}/up/{project}.json";

    /// <summary>Prints the record, or nothing when there is none.</summary>
    public static string ReadUpRecord(string deployPath, string project) => $"cat {Q(UpRecordFile(deployPath, project))} 2>/dev/null || true";

    /// <summary>Where the edge's routes live on the VM: one path for every release (the edge's mount), so a release that
    /// changes them reloads the edge instead of recreating it.</summary>
    public static string EdgeDirectory(string deployPath) => $"{deployPath}/edge";

    /// <summary>Copies the release's edge routes (the edge folder its .env names) into
    /// <see cref="EdgeDirectory"/>, each file renamed into place whole; prints a hash of what is there now. Readable by
    /// the edge's unprivileged user: routes hold no secret.</summary>
    public static string SyncEdge(string deployPath, string id)
    {
        var edge = Q(EdgeDirectory(deployPath));
        return "set -e; umask 022; "
            + $"config=$(sed -n 's/^MLSTACK_CONFIG_EDGE=//p' {Q($"{ReleaseDirectory(deployPath, id)}/.env")} | tail -n 1); "
            + $"mkdir -p {edge}; "
            + $"for f in \"$config\"/edge/*; do [ -f \"$f\" ] || continue; cp \"$f\" {edge}/.incoming && chmod 644 {edge}/.incoming && mv -f {edge}/.incoming {edge}/\"$(basename \"$f\")\"; done; "
            + $"cd {edge} && sha256sum -- * 2>/dev/null | sha256sum | cut -c1-64"; // names too: a renamed file is a change
    }

    public static string Resolve(string deployPath, ReleaseLink link) => $"readlink {Q($"{deployPath}/{link.FileName()}")}";

    /// <summary>Every release.json, one a line, then the two links as <c>@current …</c> and <c>@last_good …</c>: one
    /// round trip for the whole listing. A VM without the deploy path lists nothing.</summary>
    public static string List(string deployPath) =>
        $"cd {Q(deployPath)} 2>/dev/null || exit 0; for f in releases/*/release.json; do [ -f \"$f\" ] && cat \"$f\" && echo; done; "
        + "echo \"@current $(readlink current)\"; echo \"@last_good $(readlink last_good)\"";

    /// <summary>Appends one JSON line to audit.log, owner-only.</summary>
    public static string AppendAudit(string deployPath, string jsonLine) =>
        $"umask 077; mkdir -p {Q(deployPath)} && printf '%s\\n' {Q(jsonLine)} >> {Q($"{deployPath}/audit.log")}";

    public static string ReadAudit(string deployPath) => $"cat {Q($"{deployPath}/audit.log")} 2>/dev/null";

    /// <summary>Removes the releases' folders and any half-written release, then the secret files only they named.</summary>
    public static string Prune(string deployPath, IEnumerable<string> ids) =>
        $"rm -rf {string.Join(' ', ids.Select(id => Q(ReleaseDirectory(deployPath, id))))} {Q(deployPath)}/releases/.*.partial; "
        + SecretCommands.Prune(deployPath);

    /// <summary>The engine's socket as the VM's sessions name it in DOCKER_HOST (empty when they do not).</summary>
    public const string DockerHost = "printf %s \"${DOCKER_HOST:-}\"";

    private static string Q(string word) => AtomicUpload.Quote(word);
}
