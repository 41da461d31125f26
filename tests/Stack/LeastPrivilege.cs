namespace Mlstack.Tests.Stack;

/// <summary>What every container of the stack holds (stack/compose.yaml's x-least-privilege, docs/stack.md#least-privilege),
/// and its written exceptions: the one rule the compose file (unit tier) and the running containers (FullStackTests)
/// are both held to.</summary>
internal static class LeastPrivilege
{
    /// <summary>Services that run as root, and why; nothing else may.</summary>
    public static readonly IReadOnlyDictionary<string, string> RootUsers = new Dictionary<string, string>
    {
        ["scaler"] = "uid 0 only to open the Engine's socket (root:docker, 0660), with no capability",
    };

    /// <summary>Capabilities a service adds back after dropping them all: none needs one.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> AddedCapabilities = new Dictionary<string, string[]>();

    /// <summary>Services whose root filesystem stays writable: none.</summary>
    public static readonly IReadOnlySet<string> WritableRoot = new HashSet<string>();

    public const string NoNewPrivileges = "no-new-privileges:true";

    /// <summary>Whether a user setting (compose's <c>user</c>, the engine's Config.User, a Dockerfile's USER) means root;
    /// an empty one does, as the engine then runs uid 0.</summary>
    public static bool IsRoot(string? user) =>
        string.IsNullOrEmpty(user) || user.Split(':')[0] is "0" or "root";

    /// <summary>One line per setting of <paramref name="service"/>'s container that is less strict than the rule.</summary>
    public static IEnumerable<string> Regressions(string service, string? user, IReadOnlyCollection<string> capDrop, IReadOnlyCollection<string> capAdd, IReadOnlyCollection<string> securityOpt, bool readOnlyRoot)
    {
        if (IsRoot(user) && !RootUsers.ContainsKey(service))
            yield return $"{service}: runs as root (user \"{user}\"); give it its image's unprivileged user";
        if (!capDrop.Any(c => c.Equals("ALL", StringComparison.OrdinalIgnoreCase)))
            yield return $"{service}: does not drop every capability (cap_drop: [{string.Join(", ", capDrop)}]); merge x-least-privilege";
        var allowed = AddedCapabilities.GetValueOrDefault(service, []);
        var extra = capAdd.Select(c => c.ToUpperInvariant().Replace("CAP_", "", StringComparison.Ordinal)).Except(allowed).ToList();
        if (extra.Count > 0)
            yield return $"{service}: adds capabilities {string.Join(", ", extra)} beyond its list [{string.Join(", ", allowed)}] (tests/Stack/LeastPrivilege.cs)";
        if (!securityOpt.Any(o => o.Replace('=', ':') == NoNewPrivileges || o == "no-new-privileges"))
            yield return $"{service}: may gain privileges (security_opt has no {NoNewPrivileges})";
        if (!readOnlyRoot && !WritableRoot.Contains(service))
            yield return $"{service}: its root filesystem is writable; set read_only with a tmpfs for what it writes";
    }
}
