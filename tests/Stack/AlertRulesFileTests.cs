using System.Text.RegularExpressions;
using YamlDotNet.Serialization;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Stack;

/// <summary>The shipped alert rules as files: real-world windows, what every alert must carry for the operator, a row
/// per alert in docs/stack.md#alerts, and Prometheus's config loading them and naming each target's service.</summary>
public sealed partial class AlertRulesFileTests
{
    private static readonly string Config = Path.Combine(RepositoryRoot.Path, "stack", "config");

    private static List<Dictionary<object, object>> Rules()
    {
        var document = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(File.ReadAllText(Path.Combine(Config, "prometheus", "alerts.yml")));
        return [.. ((List<object>)document["groups"]).Cast<Dictionary<object, object>>()
            .SelectMany(g => ((List<object>)g["rules"]).Cast<Dictionary<object, object>>())];
    }

    [GeneratedRegex(@"^(\d+)([smhd])$")]
    private static partial Regex Duration();

    private static TimeSpan Window(string text)
    {
        var match = Duration().Match(text);
        Assert.True(match.Success, $"'{text}' is not a Prometheus duration this test reads");
        var n = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "s" => TimeSpan.FromSeconds(n), "m" => TimeSpan.FromMinutes(n), "h" => TimeSpan.FromHours(n), _ => TimeSpan.FromDays(n) };
    }

    [Fact]
    public void Every_rule_has_a_real_window_a_severity_a_summary_and_an_action()
    {
        var rules = Rules();

        Assert.True(rules.Count >= 14, $"{rules.Count} rules");
        foreach (var rule in rules)
        {
            var name = (string)rule["alert"];
            Assert.True(Window((string)rule["for"]) >= TimeSpan.FromMinutes(1), $"{name}: a window under a minute pages on a blip");
            var labels = (Dictionary<object, object>)rule["labels"];
            Assert.True((string)labels["severity"] is "critical" or "warning", $"{name}: severity {labels["severity"]}");
            var annotations = (Dictionary<object, object>)rule["annotations"];
            Assert.False(string.IsNullOrWhiteSpace((string)annotations["summary"]), name);
            Assert.False(string.IsNullOrWhiteSpace((string)annotations["action"]), name);
            // The alert names its service: a label of its own, or one the expression's series carry or make.
            Assert.True(labels.ContainsKey("service") || ((string)rule["expr"]).Contains("\"service\"", StringComparison.Ordinal) || UsesScrapedSeries((string)rule["expr"]), $"{name} names no service");
        }

        Assert.Equal(rules.Count, rules.Select(r => r["alert"]).Distinct().Count());
    }

    /// <summary>Series Prometheus scraped carry the target's `service` label (prometheus.yml).</summary>
    private static bool UsesScrapedSeries(string expr) => !expr.Contains("absent(", StringComparison.Ordinal) && !expr.Contains("sum(", StringComparison.Ordinal);

    [Fact]
    public void Every_alert_has_its_row_in_the_docs()
    {
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "stack.md"));

        var missing = Rules().Select(r => (string)r["alert"]).Where(name => !docs.Contains($"\n| {name} |", StringComparison.Ordinal)).ToList();

        Assert.True(missing.Count == 0, "docs/stack.md#alerts has no row for " + string.Join(", ", missing));
    }

    [Fact]
    public void The_test_windows_shorten_every_window_and_change_nothing_else()
    {
        var shipped = File.ReadAllText(Path.Combine(Config, "prometheus", "alerts.yml"));

        var shortened = AlertRulesTests.Shortened(shipped);

        Assert.Equal(Rules().Count, Regex.Count(shortened, @"for: 3s\b"));
        Assert.Equal(shipped.Split('\n').Where(l => !l.Contains("for:", StringComparison.Ordinal)), shortened.Split('\n').Where(l => !l.Contains("for:", StringComparison.Ordinal)));
        var routing = AlertRulesTests.Shortened(File.ReadAllText(Path.Combine(Config, "alertmanager", "alertmanager.yml")));
        Assert.Contains("group_wait: 1s", routing, StringComparison.Ordinal);
        Assert.Contains("group_interval: 1s", routing, StringComparison.Ordinal);
    }

    [Fact]
    public void Prometheus_loads_the_rules_sends_to_alertmanager_and_names_every_target_s_service()
    {
        var prometheus = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(File.ReadAllText(Path.Combine(Config, "prometheus", "prometheus.yml")));
        var compose = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "stack", "compose.yaml"));

        Assert.Equal(["/etc/prometheus/alerts.yml"], ((List<object>)prometheus["rule_files"]).Cast<string>());
        Assert.Contains("alertmanager:9093", File.ReadAllText(Path.Combine(Config, "prometheus", "prometheus.yml")), StringComparison.Ordinal);
        foreach (var job in ((List<object>)prometheus["scrape_configs"]).Cast<Dictionary<object, object>>())
        {
            var target = ((List<object>)job["static_configs"]).Cast<Dictionary<object, object>>().Single();
            var service = (string)((Dictionary<object, object>)target["labels"])["service"];
            Assert.True(compose.Contains($"\n  {service}:\n", StringComparison.Ordinal), $"job {job["job_name"]}: service {service} is not in compose.yaml");
        }
    }

    /// <summary>The series of the build's own making that the rules read are the ones it writes, and the edge's is
    /// scraped where the edge's front serves it (a rule once read a name nothing wrote, and stayed silent).</summary>
    [Fact]
    public void The_build_s_own_series_are_written_under_the_names_the_rules_read_and_the_edge_s_is_scraped()
    {
        var read = Rules().SelectMany(r => Regex.Matches((string)r["expr"], @"\bmlstack_(backup|edge)_\w+").Select(m => m.Value)).ToHashSet();

        Assert.Equal(new HashSet<string> { Mlstack.Build.Backup.BackupAlertRecord.Metric, Mlstack.Build.Stack.EdgeCertificateFiles.ExpiryMetricName }, read);
        var port = Mlstack.Build.Stack.EdgeCertificateFiles.MetricsPort;
        Assert.Contains($"\"edge:{port}\"", File.ReadAllText(Path.Combine(Config, "prometheus", "prometheus.yml")), StringComparison.Ordinal);
        Assert.Contains($"listen {port} reuseport;", File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docker", "edge", "front.conf")), StringComparison.Ordinal);
    }
}
