using System.Globalization;
using System.Text.Json;

namespace Mlstack.Build.Stack;

/// <summary>One alert as Prometheus holds it: pending (its condition holds, its `for:` window not yet passed) or
/// firing (sent to Alertmanager).</summary>
public sealed record StackAlert(string Name, string State, string Severity, string Service, string Summary, DateTimeOffset? ActiveAt);

/// <summary>What Status shows under the services: the alerts Prometheus evaluates (stack/config/prometheus/alerts.yml),
/// read from its API (/api/v1/alerts), and whether Alertmanager sends them anywhere.</summary>
public static class StackAlerts
{
    /// <summary>Prometheus's port in the stack (compose.yaml's prometheus service).</summary>
    public const int PrometheusPort = 9090;

    /// <summary>The alerts in Prometheus's answer to /api/v1/alerts, firing first, then by name and service.</summary>
    public static IReadOnlyList<StackAlert> Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("data", out var data) || !data.TryGetProperty("alerts", out var alerts))
            throw new FormatException("not an answer of Prometheus's /api/v1/alerts (no data.alerts)");
        return [.. alerts.EnumerateArray().Select(Alert)
            .OrderBy(a => a.State == "firing" ? 0 : 1).ThenBy(a => a.Name, StringComparer.Ordinal).ThenBy(a => a.Service, StringComparer.Ordinal)];
    }

    /// <summary>alertmanager_integrations from Prometheus's /api/v1/query: how many receivers' integrations (webhooks)
    /// Alertmanager has; null when Prometheus has no such series (Alertmanager not scraped).</summary>
    public static int? ParseIntegrations(string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = document.RootElement.GetProperty("data").GetProperty("result");
        if (result.GetArrayLength() == 0)
            return null;
        var value = result[0].GetProperty("value")[1].GetString();
        return (int)double.Parse(value!, CultureInfo.InvariantCulture);
    }

    /// <summary>Reads both from Prometheus at <paramref name="prometheus"/>.</summary>
    public static async Task<(IReadOnlyList<StackAlert> Alerts, int? Integrations)> ReadAsync(HttpClient http, Uri prometheus, CancellationToken ct)
    {
        var alerts = Parse(await http.GetStringAsync(new Uri(prometheus, "/api/v1/alerts"), ct).ConfigureAwait(false));
        var integrations = ParseIntegrations(await http.GetStringAsync(new Uri(prometheus, "/api/v1/query?query=alertmanager_integrations"), ct).ConfigureAwait(false));
        return (alerts, integrations);
    }

    /// <summary>The lines Status prints: a heading, one row per alert, and a line when alerts reach no one.</summary>
    public static IReadOnlyList<string> Lines(IReadOnlyList<StackAlert> alerts, int? integrations, DateTimeOffset now)
    {
        var lines = new List<string>();
        var firing = alerts.Count(a => a.State == "firing");
        lines.Add(alerts.Count == 0
            ? "Alerts: none firing or pending (stack/config/prometheus/alerts.yml)"
            : $"Alerts: {firing} firing, {alerts.Count - firing} pending (docs/stack.md#alerts says what to do)");
        if (alerts.Count > 0)
        {
            var rows = alerts.Select(a => new[] { a.State, a.Severity, a.Name, a.Service, Since(a.ActiveAt, now), a.Summary }).ToList();
            string[] header = ["state", "severity", "alert", "service", "since", "summary"];
            var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length)) + 2).ToArray();
            lines.Add("  " + string.Concat(header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
            lines.AddRange(rows.Select(row => "  " + string.Concat(row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd()));
        }

        if (integrations == 0)
            lines.Add("Alertmanager has no webhook: alerts reach no one but this table. Set ALERT_WEBHOOK_URL in the env file and run Up (or Deploy).");
        else if (integrations == null)
            lines.Add("Alertmanager is not scraped by Prometheus: whether alerts reach the webhook is unknown (./build.sh Logs --service alertmanager).");
        return lines;
    }

    private static StackAlert Alert(JsonElement alert)
    {
        var labels = alert.GetProperty("labels");
        var annotations = alert.TryGetProperty("annotations", out var found) ? found : default;
        return new StackAlert(
            Text(labels, "alertname") ?? "?",
            alert.GetProperty("state").GetString() ?? "?",
            Text(labels, "severity") ?? "-",
            Text(labels, "service") ?? Text(labels, "job") ?? "-",
            annotations.ValueKind == JsonValueKind.Object ? Text(annotations, "summary") ?? string.Empty : string.Empty,
            Text(alert, "activeAt") is { } at && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>"5m ago", "2h 10m ago": how long the condition has held.</summary>
    private static string Since(DateTimeOffset? at, DateTimeOffset now)
    {
        if (at is not { } start)
            return "-";
        var held = now - start;
        if (held < TimeSpan.Zero)
            held = TimeSpan.Zero;
        return held.TotalHours >= 1 ? $"{(int)held.TotalHours}h {held.Minutes}m ago" : held.TotalMinutes >= 1 ? $"{(int)held.TotalMinutes}m ago" : $"{(int)held.TotalSeconds}s ago";
    }
}
