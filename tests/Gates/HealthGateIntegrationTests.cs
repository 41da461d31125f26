using System.Diagnostics;
using Mlstack.Build.Core;
using Mlstack.Build.Gates;
using Mlstack.Build.Stack;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Gates;

/// <summary>Up's health gates against the real engine and Compose, on small fixture stacks.</summary>
[Trait(TestTiers.Trait, TestTiers.Integration)]
[Collection(EngineTests.Name)]
public sealed class HealthGateIntegrationTests
{
    private const string Image = FixtureImage.Name;

    [Fact]
    public async Task The_gate_waits_for_a_slow_starting_service()
    {
        await using var stack = await FixtureStack.CreateAsync($$"""
            services:
              slow:
                image: {{Image}}
                command: ["sh", "-c", "sleep 4; touch /tmp/ready; echo ready; exec sleep 600"]
                stop_grace_period: 1s
                healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 1s, retries: 3, start_period: 30s}
            """);

        var result = await stack.UpAsync();

        Assert.True(result.ReadyAfter["slow"] >= TimeSpan.FromSeconds(3.5), $"ready after {result.ReadyAfter["slow"]}");
        Assert.Contains("slow", stack.Output);
        Assert.Contains("✓ healthy", stack.Output);
    }

    [Fact]
    public async Task A_service_that_turns_unhealthy_fails_Up_at_once_with_its_logs_and_health_output()
    {
        await using var stack = await FixtureStack.CreateAsync($$"""
            services:
              flaky:
                image: {{Image}}
                command: ["sh", "-c", "touch /tmp/ready; echo serving requests; sleep 4; rm /tmp/ready; echo lost the database connection; exec sleep 600"]
                stop_grace_period: 1s
                healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 1s, retries: 2, start_period: 0s}
              patient:
                image: {{Image}}
                command: ["sh", "-c", "sleep 300; touch /tmp/ready; exec sleep 600"]
                stop_grace_period: 1s
                healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 1s, retries: 3, start_period: 300s}
            """);
        var clock = Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<GateFailedException>(() => stack.UpAsync());

        Assert.Equal("flaky", failure.Service);
        Assert.Equal("unhealthy", failure.Reason);
        Assert.Contains(failure.LogTail, l => l.Contains("lost the database connection", StringComparison.Ordinal));
        Assert.NotEmpty(failure.HealthOutputs);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}: not fail-fast");
        Assert.Contains("flaky | lost the database connection", stack.Output);
    }

    [Fact]
    public async Task A_one_shot_that_exits_1_fails_Up_with_its_output()
    {
        await using var stack = await FixtureStack.CreateAsync($$"""
            services:
              migrate:
                image: {{Image}}
                command: ["sh", "-c", "echo applying migration 42; echo 'relation runs already exists' >&2; exit 1"]
                restart: "no"
              app:
                image: {{Image}}
                command: ["sleep", "600"]
                stop_grace_period: 1s
                depends_on:
                  migrate: {condition: service_completed_successfully}
            """);

        var failure = await Assert.ThrowsAsync<GateFailedException>(() => stack.UpAsync());

        Assert.Equal("migrate", failure.Service);
        Assert.Equal("exited with code 1", failure.Reason);
        Assert.Contains(failure.LogTail, l => l.Contains("relation runs already exists", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_service_that_crashes_after_a_few_seconds_fails_Up()
    {
        await using var stack = await FixtureStack.CreateAsync($$"""
            services:
              worker:
                image: {{Image}}
                command: ["sh", "-c", "echo worker starting; sleep 2; echo 'fatal: out of cheese' >&2; exit 3"]
                restart: unless-stopped
            """);

        var failure = await Assert.ThrowsAsync<GateFailedException>(() => stack.UpAsync());

        Assert.Equal("worker", failure.Service);
        Assert.Contains("exit code 3", failure.Reason.Replace("exited with code 3", "exit code 3", StringComparison.Ordinal));
        Assert.Contains(failure.LogTail, l => l.Contains("out of cheese", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Up_twice_leaves_the_running_stack_as_it_is()
    {
        await using var stack = await FixtureStack.CreateAsync($$"""
            services:
              web:
                image: {{Image}}
                command: ["sh", "-c", "touch /tmp/ready; exec sleep 600"]
                stop_grace_period: 1s
                healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 1s, retries: 3, start_period: 10s}
            """);
        await stack.UpAsync();
        var first = (await stack.Engine.SnapshotAsync(TestContext.Current.CancellationToken)).Single();
        var clock = Stopwatch.StartNew();

        await stack.UpAsync();

        var second = (await stack.Engine.SnapshotAsync(TestContext.Current.CancellationToken)).Single();
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.StartedAt, second.StartedAt);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"second Up took {clock.Elapsed}");
    }

    [Fact]
    public async Task Up_again_runs_no_one_shot_and_after_a_config_change_recreates_only_the_changed_service()
    {
        const string Compose = """
            services:
              init:
                image: {{IMAGE}}
                command: ["sh", "-c", "echo ran >> /data/runs; wc -l < /data/runs"]
                volumes: [data:/data]
              web:
                image: {{IMAGE}}
                command: ["sh", "-c", "touch /tmp/ready; exec sleep 600"]
                environment: {GREETING: "{{GREETING}}"}
                stop_grace_period: 1s
                depends_on: {init: {condition: service_completed_successfully}}
                healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 1s, retries: 3, start_period: 10s}
              other:
                image: {{IMAGE}}
                command: ["sh", "-c", "touch /tmp/ready; exec sleep 600"]
                stop_grace_period: 1s
                healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 1s, retries: 3, start_period: 10s}
            volumes:
              data: {}
            """;
        await using var stack = await FixtureStack.CreateAsync(Compose.Replace("{{IMAGE}}", Image).Replace("{{GREETING}}", "hello"));
        await stack.UpAsync();
        var first = await IdsAsync(stack);

        await stack.UpAsync();

        Assert.Equal(first, await IdsAsync(stack));
        Assert.Contains("nothing changed, no container touched", stack.Output);

        File.WriteAllText(Path.Combine(stack.Directory, "compose.yaml"), Compose.Replace("{{IMAGE}}", Image).Replace("{{GREETING}}", "bonjour"));
        await stack.UpAsync();

        var third = await IdsAsync(stack);
        Assert.NotEqual(first["web"], third["web"]);
        Assert.Equal(first["other"], third["other"]);
        Assert.Equal(first["init"], third["init"]);
        Assert.Contains("init unchanged and completed: not run again", stack.Output);
        // init counts its runs in a volume and prints the count: it ran once across three Ups.
        Assert.Equal(["1"], await stack.Engine.TailAsync(third["init"], 10, TestContext.Current.CancellationToken));
    }

    private static async Task<Dictionary<string, string>> IdsAsync(FixtureStack stack) =>
        (await stack.Engine.SnapshotAsync(TestContext.Current.CancellationToken)).ToDictionary(c => c.Service, c => c.Id);

    [Fact]
    public async Task An_unknown_service_in_depends_on_is_a_one_line_error_naming_the_file()
    {
        await using var stack = await FixtureStack.CreateAsync($$"""
            services:
              web:
                image: {{Image}}
                depends_on: [db]
            """);

        var error = await Assert.ThrowsAsync<Mlstack.Build.Core.BuildInputException>(() => stack.UpAsync());

        Assert.Contains("compose.yaml", error.Message);
        Assert.Contains("db", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
    /// <summary>What Up's rollouts wait on (<see cref="HealthGate.WhenPassedAsync"/>): released at the first round in
    /// which what they need passed, while a slow service is still starting; from then on the gate no longer judges what
    /// was handed off (here a service that turns unhealthy, as a rollout's failed new copy would); and cancelled when
    /// the gate fails before it could release them.</summary>
    [Fact]
    public async Task Work_that_needs_some_services_starts_before_the_gate_passes_and_what_it_took_over_no_longer_fails_it()
    {
        await using var stack = await FixtureStack.CreateAsync($$"""
            services:
              quick:
                image: {{Image}}
                command: ["sh", "-c", "touch /tmp/ready; exec sleep 600"]
                stop_grace_period: 1s
                healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 1s, retries: 2, start_period: 0s}
              handed:
                image: {{Image}}
                command: ["sh", "-c", "touch /tmp/ready; sleep 6; rm /tmp/ready; exec sleep 600"]
                stop_grace_period: 1s
                healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 1s, retries: 2, start_period: 0s}
              slow:
                image: {{Image}}
                command: ["sh", "-c", "sleep 12; touch /tmp/ready; exec sleep 600"]
                stop_grace_period: 1s
                healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 1s, retries: 3, start_period: 30s}
            """);
        var ct = TestContext.Current.CancellationToken;
        var model = await ComposeConfigReader.ReadAsync(stack.Project, stack.Log, ct: ct);
        var compose = LocalCompose.For(stack.Project, stack.Log, new Dictionary<string, string>());
        using var gate = new HealthGate(stack.Engine, [.. model.Services.Select(s => ServiceGoal.For(s, null))], stack.Log, live: false);
        var handedOver = gate.WhenPassedAsync(new HashSet<string> { "quick", "handed" }, new HashSet<string> { "handed" });
        var gating = gate.WaitAsync(DateTimeOffset.UtcNow, compose(["up", "-d"], ct), null, ct);

        var snapshot = await handedOver;
        Assert.False(gating.IsCompleted, "the whole gate passed before the work that needed two services was released");
        Assert.Contains(snapshot, c => c.Service == "handed" && c.Health == "healthy");
        var result = await gating; // handed turns unhealthy meanwhile: it is no longer the gate's to judge
        Assert.True(result.ReadyAfter["slow"] >= TimeSpan.FromSeconds(11), $"slow ready after {result.ReadyAfter["slow"]}");
        var handed = Assert.Single(await stack.Engine.SnapshotAsync(ct), c => c.Service == "handed");
        Assert.Equal("unhealthy", handed.Health); // so the gate did see a failing service, and let it be

        // A gate that fails first cancels what waits on it (Up's hand-over then switches nothing).
        File.WriteAllText(Path.Combine(stack.Directory, "compose.yaml"), $$"""
            services:
              broken:
                image: {{Image}}
                command: ["sh", "-c", "echo cannot start; exit 3"]
            """);
        var brokenModel = await ComposeConfigReader.ReadAsync(stack.Project, stack.Log, ct: ct);
        using var failing = new HealthGate(stack.Engine, [.. brokenModel.Services.Select(s => ServiceGoal.For(s, null))], stack.Log, live: false);
        var neverReleased = failing.WhenPassedAsync(new HashSet<string> { "broken" }, new HashSet<string>());
        await Assert.ThrowsAsync<GateFailedException>(() => failing.WaitAsync(DateTimeOffset.UtcNow, compose(["up", "-d", "--remove-orphans"], ct), null, ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => neverReleased);
    }
}
