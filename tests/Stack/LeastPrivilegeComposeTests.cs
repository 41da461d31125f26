using Mlstack.Tests.Support;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Mlstack.Tests.Stack;

/// <summary>stack/compose.yaml as compose reads it (anchors merged): every service is held to LeastPrivilege, its user
/// being compose's <c>user</c> or else the USER of the image it builds. The running containers are checked against
/// the same rule in FullStackTests.</summary>
public sealed class LeastPrivilegeComposeTests
{
    private static readonly string StackFolder = Path.Combine(RepositoryRoot.Path, "stack");

    private static Dictionary<object, object> Services()
    {
        using var reader = new StringReader(File.ReadAllText(Path.Combine(StackFolder, "compose.yaml")));
        var compose = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(new MergingParser(new Parser(reader)));
        return (Dictionary<object, object>)compose["services"];
    }

    private static List<string> Strings(Dictionary<object, object> service, string key) =>
        service.TryGetValue(key, out var value) ? [.. ((List<object>)value).Select(v => v.ToString()!)] : [];

    /// <summary>The USER of the stage an image is built from (its target, else the last), or of the stage it is FROM.</summary>
    private static string? ImageUser(Dictionary<object, object> build)
    {
        var context = Path.GetFullPath(Path.Combine(StackFolder, (string)build["context"]));
        var stages = new List<(string? Name, string From, string? User)>();
        foreach (var words in File.ReadAllLines(Path.Combine(context, "Dockerfile")).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            if (words.Length > 1 && words[0] == "FROM")
                stages.Add((words.Length == 4 && words[2].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[3] : null, words[1], null));
            else if (words.Length > 1 && words[0] == "USER")
                stages[^1] = stages[^1] with { User = words[1] };
        }

        var stage = build.TryGetValue("target", out var target) ? stages.Single(s => s.Name == (string)target) : stages[^1];
        while (stage.User == null && stages.Any(s => s.Name == stage.From))
            stage = stages.Single(s => s.Name == stage.From);
        return stage.User;
    }

    [Fact]
    public void Every_service_drops_every_capability_gains_no_privilege_has_a_read_only_root_and_is_not_root()
    {
        var services = Services();
        Assert.Equal(20, services.Count); // 17, alertmanager and node-exporter (the alerts), and edge-net (the edge's network)

        var regressions = services.SelectMany(entry =>
        {
            var (name, service) = ((string)entry.Key, (Dictionary<object, object>)entry.Value);
            var user = service.TryGetValue("user", out var set) ? (string)set : ImageUser((Dictionary<object, object>)service["build"]);
            var readOnly = service.TryGetValue("read_only", out var flag) && flag is "true" or true;
            return LeastPrivilege.Regressions(name, user, Strings(service, "cap_drop"), Strings(service, "cap_add"), Strings(service, "security_opt"), readOnly);
        }).ToList();

        Assert.True(regressions.Count == 0, "least privilege regressed in stack/compose.yaml:\n" + string.Join('\n', regressions));
    }

    [Fact]
    public void The_rule_names_the_service_and_the_setting_that_regressed()
    {
        var lines = LeastPrivilege.Regressions("redis", "root", ["NET_RAW"], ["SYS_ADMIN"], [], readOnlyRoot: false).ToList();

        Assert.Equal(5, lines.Count);
        Assert.All(lines, l => Assert.StartsWith("redis: ", l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("runs as root", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("SYS_ADMIN", StringComparison.Ordinal));
        Assert.Empty(LeastPrivilege.Regressions("scaler", "0:0", ["ALL"], [], ["no-new-privileges:true"], readOnlyRoot: true));
        Assert.Empty(LeastPrivilege.Regressions("frontend", "www-data", ["ALL"], [], ["no-new-privileges=true"], readOnlyRoot: true));
        Assert.True(LeastPrivilege.IsRoot(""));
        Assert.False(LeastPrivilege.IsRoot("10001"));
    }
}
