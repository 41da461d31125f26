using System.Net.Sockets;
using System.Text.Json;

namespace Mlstack.Build.Smoke;

/// <summary>An HTTP request through the stack's URL: status, and optionally body text or a JSON value.</summary>
public sealed record HttpCheck(string Service, string Path, int ExpectedStatus = 200, string? BodyContains = null, string? JsonPath = null, string? JsonValue = null)
    : SmokeCheck(Service, $"GET {Path}")
{
    public override IReadOnlyList<string> Needs => [Service, SmokeContext.Entry];

    public override async Task RunAsync(SmokeContext context, CancellationToken ct)
    {
        using var response = await context.Http.GetAsync(new Uri(context.StackUrl, Path), ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        CheckFailedException.Unless((int)response.StatusCode == ExpectedStatus, $"HTTP {ExpectedStatus}", $"HTTP {(int)response.StatusCode}: {Clip(body)}");
        if (BodyContains != null)
            CheckFailedException.Unless(body.Contains(BodyContains, StringComparison.Ordinal), $"body containing '{BodyContains}'", Clip(body));
        if (JsonPath != null)
        {
            var actual = Json.Select(body, JsonPath);
            CheckFailedException.Unless(actual == JsonValue, $"{JsonPath} = {JsonValue}", $"{JsonPath} = {actual ?? "(missing)"}");
        }
    }
}

/// <summary>A TCP connection to the host and port of the stack's URL.</summary>
public sealed record TcpCheck(string Service) : SmokeCheck(Service, "TCP connect")
{
    public override IReadOnlyList<string> Needs => [Service, SmokeContext.Entry];

    public override async Task RunAsync(SmokeContext context, CancellationToken ct)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(context.StackUrl.Host, context.StackUrl.Port, ct).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new CheckFailedException($"a connection to {context.StackUrl.Host}:{context.StackUrl.Port}", e.SocketErrorCode.ToString());
        }
    }
}

/// <summary>A command inside the service's container: its exit code, and optionally text in its output.</summary>
public sealed record ExecCheck(string Service, string Name, IReadOnlyList<string> Command, long ExpectedExitCode = 0, string? OutputContains = null)
    : SmokeCheck(Service, Name)
{
    public override async Task RunAsync(SmokeContext context, CancellationToken ct)
    {
        var result = await context.Exec.RunAsync(Service, Command, ct).ConfigureAwait(false);
        CheckFailedException.Unless(result.ExitCode == ExpectedExitCode, $"exit code {ExpectedExitCode}", $"exit code {result.ExitCode}: {LastLine(result.Stderr + "\n" + result.Stdout)}");
        if (OutputContains != null)
            CheckFailedException.Unless(result.Stdout.Contains(OutputContains, StringComparison.Ordinal), $"output containing '{OutputContains}'", Nearest(result.Stdout, OutputContains));
    }

    /// <summary>For "pg_up 1" missing, the line that starts "pg_up " says what was there instead.</summary>
    private static string Nearest(string output, string wanted)
    {
        var prefix = wanted.Split(' ')[0] + " ";
        return output.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line ? Clip(line) : LastLine(output);
    }
}

/// <summary>A worker's heartbeat, as its own healthcheck last read it (the probe compares the heartbeat file's age):
/// the check asks the Engine API for that result instead of starting a process in the container. A result is only as
/// fresh as the last probe: one that fails (or is older than <see cref="MaxAge"/>) may predate a recovery — the
/// autoscaler looks again the moment Redis is back, seconds before its next probe — so the next probe decides.</summary>
public sealed record HeartbeatCheck : SmokeCheck
{
    public HeartbeatCheck(string service, string name, TimeSpan maxAge) : base(service, name)
    {
        MaxAge = maxAge;
        Timeout = maxAge + TimeSpan.FromSeconds(10);
    }

    /// <summary>How old a passing result may be; longer than the service's healthcheck interval.</summary>
    public TimeSpan MaxAge { get; }

    public override async Task RunAsync(SmokeContext context, CancellationToken ct)
    {
        var asked = DateTimeOffset.UtcNow;
        var last = await context.Exec.LastHealthAsync(Service, ct).ConfigureAwait(false);
        var first = last;
        while (!Passes(last) && (last == null || last.Ended == first?.Ended) && DateTimeOffset.UtcNow - asked < MaxAge)
        {
            await Task.Delay(1000, ct).ConfigureAwait(false);
            last = await context.Exec.LastHealthAsync(Service, ct).ConfigureAwait(false);
        }

        CheckFailedException.Unless(last != null, "a healthcheck result", "none yet");
        var age = DateTimeOffset.UtcNow - last!.Ended;
        CheckFailedException.Unless(last.ExitCode == 0, "the heartbeat probe to pass", $"exit code {last.ExitCode}{(last.Output.Length > 0 ? $": {Clip(last.Output)}" : "")}");
        CheckFailedException.Unless(age < MaxAge, $"a probe within {MaxAge.TotalSeconds:0}s", $"the last one {age.TotalSeconds:0}s ago");
    }

    private bool Passes(HealthResult? result) => result is { ExitCode: 0 } && DateTimeOffset.UtcNow - result.Ended < MaxAge;
}

/// <summary>A one-shot service: its last run exited 0.</summary>
public sealed record CompletedCheck(string Service) : SmokeCheck(Service, "completed with exit code 0")
{
    public override async Task RunAsync(SmokeContext context, CancellationToken ct)
    {
        var run = await context.Exec.LastRunAsync(Service, ct).ConfigureAwait(false);
        CheckFailedException.Unless(run is ("exited", 0), "exited with code 0", run is { } r ? $"{r.State} (code {r.ExitCode})" : "no container");
    }
}

/// <summary>A SQL query, run with psql inside the postgres container (<paramref name="Via"/>), and its expected single value.</summary>
public sealed record PostgresCheck(string Service, string Database, string Query, string Expected, string Via = "postgres") : SmokeCheck(Service, $"SQL {Query}")
{
    public override IReadOnlyList<string> Needs => [Service, Via];

    public override async Task RunAsync(SmokeContext context, CancellationToken ct)
    {
        var result = await context.Exec.RunAsync(Via, ["sh", "-c", $"psql -U \"$POSTGRES_USER\" -d {Database} -tAc \"$0\"", Query], ct).ConfigureAwait(false);
        CheckFailedException.Unless(result.ExitCode == 0, "psql to succeed", LastLine(result.Stderr));
        CheckFailedException.Unless(result.Stdout.Trim() == Expected, Expected, Clip(result.Stdout));
    }
}

/// <summary>PING, then SET/GET/DEL of a scratch key that expires anyway if the DEL never runs.</summary>
public sealed record RedisCheck(string Service) : SmokeCheck(Service, "PING and SET/GET/DEL round trip")
{
    public override async Task RunAsync(SmokeContext context, CancellationToken ct)
    {
        var key = $"smoke:{Guid.NewGuid():N}";
        var value = Guid.NewGuid().ToString("N");
        const string Cli = "redis_cli";
        var script = $"{RedisCli.Define}{Cli} PING && {Cli} SET \"$0\" \"$1\" EX 60 && {Cli} GET \"$0\" && {Cli} DEL \"$0\"";
        var result = await context.Exec.RunAsync(Service, ["sh", "-c", script, key, value], ct).ConfigureAwait(false);
        var got = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var expected = new[] { "PONG", "OK", value, "1" };
        CheckFailedException.Unless(got.SequenceEqual(expected), string.Join(" ", expected), Clip(string.Join(" ", got) + " " + result.Stderr));
    }
}

/// <summary>Every Prometheus scrape target is up. A target's state is only as fresh as its last scrape, so a target
/// not up yet (never scraped, or down at its last scrape) is looked at again until <see cref="Patience"/> runs out —
/// longer than one scrape interval — and only then fails, naming the targets still down.</summary>
public sealed record PrometheusTargetsCheck(string Service) : SmokeCheck(Service, "every scrape target up")
{
    public TimeSpan Patience { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>Jobs whose target the site does not run (a swarm runs no autoscaler): not expected up.</summary>
    public IReadOnlySet<string> Absent { get; init; } = new HashSet<string>();

    public override async Task RunAsync(SmokeContext context, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var result = await context.Exec.RunAsync(Service, ["curl", "-fsS", "http://127.0.0.1:9090/api/v1/targets"], ct).ConfigureAwait(false);
            CheckFailedException.Unless(result.ExitCode == 0, "the targets API to answer", LastLine(result.Stderr));
            using var document = JsonDocument.Parse(result.Stdout);
            var targets = document.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
                .Select(t => (Job: t.GetProperty("labels").GetProperty("job").GetString(), Health: t.GetProperty("health").GetString()))
                .ToList();
            var notUp = targets.Where(t => t.Health != "up" && !Absent.Contains(t.Job ?? string.Empty)).ToList();
            if (targets.Count > 0 && notUp.Count == 0)
                return;
            var got = targets.Count == 0 ? "no targets" : string.Join(", ", notUp.Select(t => $"{t.Job} {t.Health}"));
            CheckFailedException.Unless(DateTime.UtcNow < deadline, "all targets up", got);
            await Task.Delay(1000, ct).ConfigureAwait(false);
        }
    }
}

internal static class Json
{
    /// <summary>The value at a dotted path ("checks.postgres.status") as text, or null.</summary>
    public static string? Select(string json, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var element = document.RootElement;
            foreach (var part in path.Split('.'))
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element))
                    return null;
            }

            return element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
