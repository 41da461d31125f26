using System.Net;
using System.Text.RegularExpressions;
using Mlstack.Build.Backup;
using Mlstack.Build.Doctor;
using Mlstack.Build.Engine;
using Mlstack.Build.Images;
using Mlstack.Build.Stack;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Stack;

/// <summary>The shipped alert rules and Alertmanager, fired for real in a small fixture: this checkout's prometheus,
/// alertmanager and node-exporter images, stack/config/prometheus/alerts.yml and stack/config/alertmanager/alertmanager.yml
/// as shipped except their windows (every `for:` 3 s, Alertmanager's grouping 1 s; <see cref="Shortened"/>), and a
/// webhook receiver this test runs. A stopped service, a full volume and an old backup record each reach the webhook,
/// and Status lists them from Prometheus.</summary>
[Trait(TestTiers.Trait, TestTiers.Integration)]
[Collection(FixtureStacks.Name)]
public sealed partial class AlertRulesTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The shipped files with test windows: real `for:` windows are minutes to hours.</summary>
    internal static string Shortened(string shipped) =>
        GroupTimings().Replace(ForWindow().Replace(shipped, "for: 3s"), "$1: 1s");

    [GeneratedRegex(@"for: \S+")]
    private static partial Regex ForWindow();

    [GeneratedRegex(@"(group_wait|group_interval): \S+")]
    private static partial Regex GroupTimings();

    [Fact]
    public async Task A_stopped_service_a_full_volume_and_an_old_backup_reach_the_webhook_and_Status()
    {
        await Prerequisites.RequireEngineAsync();
        using var client = EngineProbe.Client(EngineProbe.Endpoint().Endpoint);
        var images = await ImagesAsync();
        // host-gateway is the default bridge's gateway: this machine's address on it, which containers reach.
        var gateway = (await client.Networks.InspectNetworkAsync("bridge", Ct)).IPAM.Config[0].Gateway;
        await using var webhook = new WebhookReceiver(IPAddress.Parse(gateway));

        await using var stack = await FixtureStack.CreateAsync(Compose(images), $"ALERT_WEBHOOK_URL=http://host.docker.internal:{webhook.Port}/hook?token=operator-t0ken\n");
        WriteConfig(stack.Directory);
        await stack.UpAsync(TimeSpan.FromSeconds(60));
        // A backup record two days old, written as Backup writes it (into the project's records volume).
        using (var backupEngine = new BackupEngine(EngineProbe.Client(EngineProbe.Endpoint().Endpoint)))
            await BackupAlertRecord.WriteAsync(backupEngine, images["backup"], stack.Project.Name, DateTimeOffset.UtcNow.AddDays(-2), Ct);
        var containers = (await stack.Engine.ListAsync(Ct)).ToDictionary(c => ComposeLabels.ServiceOf(c)!, c => c.ID);

        // A volume filled past 90 % (the fixture's is a 1 MiB tmpfs), and a service stopped as a person would.
        var fill = await stack.Engine.ExecAsync(containers["node-exporter"], ["dd", "if=/dev/zero", "of=/volumes/fixturedata/fill", "bs=64k", "count=15"], Ct);
        Assert.True(fill.ExitCode == 0, fill.Stderr);
        await stack.Engine.StopAsync(containers["victim"], TimeSpan.FromSeconds(1), Ct);

        var expected = new[] { ("ServiceDown", "victim"), ("VolumeAlmostFull", "fixturedata"), ("BackupTooOld", "backup") };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        HashSet<(string, string)> arrived = [];
        while (!expected.All(arrived.Contains) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(1000, Ct);
            arrived = [.. webhook.Firing()];
        }

        output.WriteLine($"webhook got: {string.Join(", ", arrived)}");
        Assert.True(expected.All(arrived.Contains), $"arrived: {string.Join(", ", arrived)}; missing: {string.Join(", ", expected.Except(arrived))}\n{stack.Output}");
        // Only what was caused: the services left running are not down. (BackupNeverTaken may fire in the second
        // between Prometheus's start and the record's write, with its 26 h window shortened to 3 s: not asserted.)
        Assert.DoesNotContain(arrived, a => a.Item1 is "ServiceDown" && a.Item2 != "victim");
        // The operator's URL reached Alertmanager whole, its token included.
        Assert.All(webhook.Requests, r => Assert.Equal("/hook?token=operator-t0ken", r.Target));

        // Status's reader, against this Prometheus at its container's address (as LocalSite reaches it).
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var prometheus = (await client.Containers.InspectContainerAsync(containers["prometheus"], Ct)).NetworkSettings!.Networks.Values.First().IPAddress;
        var (alerts, integrations) = await StackAlerts.ReadAsync(http, new Uri($"http://{prometheus}:{StackAlerts.PrometheusPort}"), Ct);
        Assert.Equal(1, integrations);
        Assert.Contains(alerts, a => a is { Name: "ServiceDown", Service: "victim", State: "firing", Severity: "critical" } && a.Summary.Contains("victim", StringComparison.Ordinal));
        Assert.Contains(alerts, a => a is { Name: "VolumeAlmostFull", State: "firing" } && a.Summary.Contains("fixturedata", StringComparison.Ordinal));
        Assert.Contains(alerts, a => a is { Name: "BackupTooOld", State: "firing" });

        // And Status itself, the target, on this project: the services, then the alerts firing.
        var status = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Status", "--project-name", stack.Project.Name], timeout: TimeSpan.FromMinutes(3));
        output.WriteLine(status.Output);
        Assert.True(status.ExitCode == 0, status.Output);
        Assert.Matches(@"Alerts: [3-9] firing", status.Output);
        Assert.Matches(@"firing\s+critical\s+ServiceDown\s+victim\s", status.Output);
        Assert.DoesNotContain("operator-t0ken", status.Output, StringComparison.Ordinal);
    }

    private static async Task<IReadOnlyDictionary<string, string>> ImagesAsync()
    {
        using var engine = new ImageEngine(EngineProbe.Client(EngineProbe.Endpoint().Endpoint));
        return (await CheckoutImages.FindAsync(engine, Ct)).ToDictionary(i => i.Spec.ShortName, i => i.Reference);
    }

    /// <summary>prometheus.yml for the fixture's targets (the shipped one names the whole stack's), every second;
    /// the shipped rules and routing, shortened.</summary>
    private static void WriteConfig(string directory)
    {
        var config = Path.Combine(RepositoryRoot.Path, "stack", "config");
        Directory.CreateDirectory(Path.Combine(directory, "prometheus"));
        Directory.CreateDirectory(Path.Combine(directory, "alertmanager"));
        File.WriteAllText(Path.Combine(directory, "prometheus", "prometheus.yml"), """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            rule_files: ["/etc/prometheus/alerts.yml"]
            alerting:
              alertmanagers: [{static_configs: [{targets: ["alertmanager:9093"]}]}]
            scrape_configs:
              - {job_name: alertmanager, static_configs: [{targets: ["alertmanager:9093"], labels: {service: alertmanager}}]}
              - {job_name: node-exporter, static_configs: [{targets: ["node-exporter:9100"], labels: {service: node-exporter}}]}
              - {job_name: victim, static_configs: [{targets: ["victim:9100"], labels: {service: victim}}]}
            """);
        File.WriteAllText(Path.Combine(directory, "prometheus", "alerts.yml"), Shortened(File.ReadAllText(Path.Combine(config, "prometheus", "alerts.yml"))));
        File.WriteAllText(Path.Combine(directory, "alertmanager", "alertmanager.yml"), Shortened(File.ReadAllText(Path.Combine(config, "alertmanager", "alertmanager.yml"))));
        // The services run as their images' user (prometheus): the fixture's folder is private to root until opened.
        if (OperatingSystem.IsWindows())
            return;
        foreach (var folder in Directory.EnumerateDirectories(directory).Append(directory))
            File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
            File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
    }

    /// <summary>The shipped services' settings (least privilege, tmpfs, the webhook variable) on the fixture's targets.</summary>
    private static string Compose(IReadOnlyDictionary<string, string> images) => $$"""
        x-least-privilege: &least-privilege
          cap_drop: [ALL]
          security_opt: ["no-new-privileges:true"]
          read_only: true
          stop_grace_period: 1s
        x-ready: &ready {interval: 1s, timeout: 3s, retries: 30}
        services:
          prometheus:
            <<: *least-privilege
            image: {{images["prometheus"]}}
            volumes: ["./prometheus:/etc/prometheus:ro", "promdata:/prometheus"]
            healthcheck: {<<: *ready, test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9090/-/ready"]}
            depends_on:
              alertmanager: {condition: service_healthy}
              node-exporter: {condition: service_healthy}
              victim: {condition: service_healthy}
          alertmanager:
            <<: *least-privilege
            image: {{images["alertmanager"]}}
            environment: {ALERT_WEBHOOK_URL: "${ALERT_WEBHOOK_URL}"}
            volumes: ["./alertmanager:/etc/mlstack/alertmanager:ro", "amdata:/alertmanager"]
            tmpfs: ["/tmp/alertmanager:mode=1777"]
            extra_hosts: ["host.docker.internal:host-gateway"]
            healthcheck: {<<: *ready, test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9093/-/ready"]}
          node-exporter:
            <<: *least-privilege
            image: {{images["node-exporter"]}}
            volumes: ["fixturedata:/volumes/fixturedata", "records:/var/lib/mlstack/records:ro"]
            healthcheck: {<<: *ready, test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9100/metrics"]}
          victim:
            <<: *least-privilege
            image: {{images["node-exporter"]}}
            healthcheck: {<<: *ready, test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9100/metrics"]}
        volumes:
          promdata: {}
          amdata: {}
          records: {}
          fixturedata:
            driver_opts: {type: tmpfs, device: tmpfs, o: "size=1m,mode=1777"}
        """;
}
