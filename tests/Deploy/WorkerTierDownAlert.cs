using System.Diagnostics;
using Mlstack.Build.Doctor;
using Mlstack.Build.Engine;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Deploy;

/// <summary>The deployed stack's alerting proved end to end, in the background of a scenario's other steps: worker-light
/// stopped through the VM's engine, the shipped rule WorkerTierDown firing in the VM's Prometheus, Alertmanager sending
/// it to a webhook this test runs (the operator's ALERT_WEBHOOK_URL), Status --host listing it; then what was stopped
/// started again.
///
/// Why the scheduler (Celery beat) is stopped too: the autoscaler starts a tier below its minimum again as soon as a
/// task waits for it (mlservice/scaling.py; with nothing queued it leaves it to Up), and beat queues housekeeping on
/// worker-light's queue every 30 s. With beat running, a stopped worker-light is back within about 30 s and no alert
/// fires, as designed (seen on this VM: "worker-light: 0 -> 1 replicas (up: 1 queued wants 1)" 10.6 s after the stop).
/// With nothing queued it stays down, and WorkerTierDown must say so.</summary>
internal sealed class WorkerTierDownAlert : IAsyncDisposable
{
    /// <summary>Stop to webhook at worst: the autoscaler's look (2 s), Prometheus's scrape and rule evaluation (15 s
    /// each), the rule's `for: 1m`, Alertmanager's group_wait (30 s): 122 s. About a minute more for a loaded machine.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(3);

    public static readonly (string Alert, string About) Expected = ("WorkerTierDown", "worker-light");

    private static readonly string[] Stopped = ["scheduler", "worker-light"];

    private readonly EngineContainers _engine;
    private readonly CancellationTokenSource _stop;
    private Task<Outcome>? _proof;

    private WorkerTierDownAlert(TestVm vm, CancellationToken ct)
    {
        _engine = new EngineContainers(EngineProbe.Client(new Uri($"unix://{vm.EngineSocket}")));
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
    }

    /// <summary>What the background proof saw; Status's output whether or not the alert came.</summary>
    public sealed record Outcome(bool Arrived, TimeSpan After, int Restarts, string Status, int StatusExitCode, string AutoscalerLog);

    /// <summary>Checks the VM's alertmanager container reaches <paramref name="webhook"/>, stops the scheduler and
    /// worker-light, and leaves the rest (wait, Status, start again) running in the background.</summary>
    public static async Task<WorkerTierDownAlert> StartAsync(TestVm vm, VmStackDriver driver, WebhookReceiver webhook, CancellationToken ct)
    {
        var alert = new WorkerTierDownAlert(vm, ct);
        try
        {
            var alertmanager = await alert.RunningAsync("alertmanager", ct);
            var probe = await alert._engine.ExecAsync(alertmanager, ["curl", "-fsS", "-o", "/dev/null", "-m", "5", $"http://{vm.HostAddress}:{webhook.Port}/reachable"], null, ct);
            Assert.True(probe.ExitCode == 0 && webhook.Requests.Any(r => r.Target == "/reachable"),
                $"the VM's alertmanager does not reach the webhook at {vm.HostAddress}:{webhook.Port}: {probe.Stderr}");
            // The scheduler first: a housekeeping it sent just before is taken by worker-light before that stops.
            var ids = new List<string>();
            foreach (var service in Stopped)
            {
                var id = await alert.RunningAsync(service, ct);
                await alert._engine.StopAsync(id, 30, ct);
                ids.Add(id);
            }

            alert._proof = alert.ProveAsync(driver, webhook, ids, Stopwatch.StartNew());
            return alert;
        }
        catch
        {
            await alert.DisposeAsync();
            throw;
        }
    }

    /// <summary>The proof's outcome, once the alert came (or the window passed), Status ran and the scheduler and
    /// worker-light run again.</summary>
    public Task<Outcome> Completion => _proof!;

    private async Task<Outcome> ProveAsync(VmStackDriver driver, WebhookReceiver webhook, IReadOnlyList<string> ids, Stopwatch sinceStop)
    {
        var ct = _stop.Token;
        var restarts = 0;
        bool arrived;
        while (!(arrived = webhook.Firing().Contains(Expected)) && sinceStop.Elapsed < Window)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            // A task that was waiting when worker-light stopped (one it handed back, or beat's last) makes the
            // autoscaler start it again, as designed: let it take the task, stop it again, and the window starts over.
            var back = await _engine.ListAsync("mlstackvm", "worker-light", runningOnly: true, ct);
            if (back.Count == 0 || restarts == 2)
                continue;
            restarts++;
            // Healthy: its consumer runs (the heartbeat), and takes what waits within the second after.
            for (var waited = 0; waited < 60 && (await _engine.InspectAsync(back[0].ID, ct)).State?.Health?.Status != "healthy"; waited++)
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            foreach (var replica in back)
                await _engine.StopAsync(replica.ID, 30, ct);
            sinceStop.Restart();
        }

        var after = sinceStop.Elapsed;
        var status = await driver.BuildSh("Status");
        var autoscaler = arrived ? "" : string.Join('\n', await _engine.TailAsync(await RunningAsync("autoscaler", ct), 30, ct));
        foreach (var id in ids.Reverse())
            await _engine.StartAsync(id, ct);
        return new Outcome(arrived, after, restarts, status.Output, status.ExitCode, autoscaler);
    }

    private async Task<string> RunningAsync(string service, CancellationToken ct) =>
        (await _engine.ListAsync("mlstackvm", service, runningOnly: true, ct)).Single().ID;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_proof != null)
        {
            try
            {
                await _proof;
            }
            catch (Exception e) when (e is OperationCanceledException or Xunit.Sdk.XunitException)
            {
                // the scenario failed or ended first; its own failure is the one to report
            }
        }

        _engine.Dispose();
        _stop.Dispose();
    }
}
