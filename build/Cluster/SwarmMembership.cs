using System.Text.Json;

namespace Mlstack.Build.Cluster;

/// <summary>What a host's engine says of its swarm (<c>docker info</c>'s Swarm section): inactive, or a node of a
/// swarm. Only a manager knows its swarm's cluster id; a worker knows its managers' addresses.</summary>
public sealed record SwarmMembership(string State, string NodeId, string? ClusterId, bool IsManager, IReadOnlyList<string> ManagerAddresses, string Error)
{
    /// <summary>The command that prints it on the host; prints nothing when no engine answers (a VM not yet bootstrapped).</summary>
    public const string Command = "command -v docker >/dev/null 2>&1 && docker info --format '{{json .Swarm}}' 2>/dev/null || true";

    public static readonly SwarmMembership NoEngine = new("no engine", "", null, false, [], "");

    public bool IsActive => State == "active";

    /// <summary>Neither in a swarm nor on the way into or out of one: free to init or join.</summary>
    public bool IsFree => State is "inactive" or "no engine";

    /// <summary>Reads <see cref="Command"/>'s output.</summary>
    public static SwarmMembership Parse(string output)
    {
        // With the CLI there but no engine answering, docker info still prints the template, its state empty.
        var text = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith('{'));
        if (text == null)
            return NoEngine;
        using var json = JsonDocument.Parse(text);
        var swarm = json.RootElement;
        if (Text(swarm, "LocalNodeState").Length == 0)
            return NoEngine;
        var cluster = swarm.TryGetProperty("Cluster", out var c) && c.ValueKind == JsonValueKind.Object ? Text(c, "ID") : "";
        var managers = swarm.TryGetProperty("RemoteManagers", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(m => Text(m, "Addr")).Where(a => a.Length > 0).ToList()
            : [];
        return new(Text(swarm, "LocalNodeState"), Text(swarm, "NodeID"), cluster.Length > 0 ? cluster : null,
            swarm.TryGetProperty("ControlAvailable", out var control) && control.ValueKind == JsonValueKind.True, managers, Text(swarm, "Error"));
    }

    private static string Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
}
