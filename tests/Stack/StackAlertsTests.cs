using Mlstack.Build.Stack;

namespace Mlstack.Tests.Stack;

/// <summary>Status's alerts: Prometheus's /api/v1/alerts and alertmanager_integrations read into rows and lines.</summary>
public sealed class StackAlertsTests
{
    // As Prometheus 2.42 answers (trimmed to the fields it always sends).
    private const string Answer = """
        {"status":"success","data":{"alerts":[
          {"labels":{"alertname":"VolumeAlmostFull","service":"node-exporter","severity":"critical","volume":"pgdata"},
           "annotations":{"summary":"the disk of volume pgdata has 4% free","action":"free space"},
           "state":"pending","activeAt":"2026-12-05T06:10:00Z","value":"4e-02"},
          {"labels":{"alertname":"ServiceDown","job":"autoscaler","service":"autoscaler","severity":"critical"},
           "annotations":{"summary":"autoscaler has not answered Prometheus for 2 minutes"},
           "state":"firing","activeAt":"2026-12-05T03:59:00.123456789Z","value":"0e+00"},
          {"labels":{"alertname":"BackupTooOld","job":"node-exporter"},"state":"firing","activeAt":"2026-12-05T06:11:30Z","value":"1e+05"}
        ]}}
        """;

    private static readonly DateTimeOffset Now = new(2026, 12, 5, 6, 12, 0, TimeSpan.Zero);

    [Fact]
    public void Firing_alerts_come_first_with_their_service_severity_and_summary()
    {
        var alerts = StackAlerts.Parse(Answer);

        Assert.Equal(["BackupTooOld", "ServiceDown", "VolumeAlmostFull"], alerts.Select(a => a.Name));
        Assert.Equal(["firing", "firing", "pending"], alerts.Select(a => a.State));
        var down = alerts[1];
        Assert.Equal(("critical", "autoscaler", "autoscaler has not answered Prometheus for 2 minutes"), (down.Severity, down.Service, down.Summary));
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 3, 59, 0, TimeSpan.Zero), down.ActiveAt!.Value.AddTicks(-down.ActiveAt.Value.Ticks % TimeSpan.TicksPerSecond));
        // No service label: the job names it; no severity or summary: shown as such, not an error.
        Assert.Equal(("-", "node-exporter", string.Empty), (alerts[0].Severity, alerts[0].Service, alerts[0].Summary));
    }

    [Fact]
    public void Lines_count_firing_and_pending_and_say_how_long_each_has_held()
    {
        var lines = StackAlerts.Lines(StackAlerts.Parse(Answer), integrations: 1, Now);

        Assert.Equal("Alerts: 2 firing, 1 pending (docs/stack.md#alerts says what to do)", lines[0]);
        Assert.StartsWith("  state", lines[1], StringComparison.Ordinal);
        Assert.Matches(@"^  firing\s+critical\s+ServiceDown\s+autoscaler\s+2h 12m ago\s+autoscaler has not answered", lines[3]);
        Assert.Matches(@"^  pending\s+critical\s+VolumeAlmostFull\s+node-exporter\s+2m ago\s+the disk of volume pgdata", lines[4]);
        Assert.Matches(@"BackupTooOld\s+node-exporter\s+30s ago", lines[2]);
        Assert.Equal(5, lines.Count); // a webhook is configured: nothing more to say
    }

    [Fact]
    public void No_alerts_is_one_line_and_no_webhook_is_said_in_words()
    {
        var lines = StackAlerts.Lines(StackAlerts.Parse("""{"status":"success","data":{"alerts":[]}}"""), integrations: 0, Now);

        Assert.Equal("Alerts: none firing or pending (stack/config/prometheus/alerts.yml)", lines[0]);
        Assert.Contains("no webhook", lines[1], StringComparison.Ordinal);
        Assert.Contains("ALERT_WEBHOOK_URL", lines[1], StringComparison.Ordinal);
        Assert.Equal(2, lines.Count);
    }

    [Fact]
    public void Integrations_come_from_the_query_and_are_unknown_when_alertmanager_is_not_scraped()
    {
        Assert.Equal(1, StackAlerts.ParseIntegrations("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"alertmanager_integrations","job":"alertmanager"},"value":[1733378000.1,"1"]}]}}"""));
        Assert.Null(StackAlerts.ParseIntegrations("""{"status":"success","data":{"resultType":"vector","result":[]}}"""));
        Assert.Contains("not scraped", StackAlerts.Lines([], null, Now)[1], StringComparison.Ordinal);
    }

    [Fact]
    public void An_answer_that_is_not_prometheus_s_is_refused_by_name()
    {
        var error = Assert.Throws<FormatException>(() => StackAlerts.Parse("""{"status":"error","error":"bad"}"""));
        Assert.Contains("/api/v1/alerts", error.Message, StringComparison.Ordinal);
    }
}
