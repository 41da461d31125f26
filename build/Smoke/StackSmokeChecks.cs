namespace Mlstack.Build.Smoke;

/// <summary>The smoke checks of mlstack, per service. A service added to compose.yaml without a check here fails
/// SmokeTest with "no smoke check for &lt;service&gt;".</summary>
public static class StackSmokeChecks
{
    /// <summary>boto3 and Celery take seconds to import on a busy machine, inside ml-service's CPU limit.</summary>
    private static readonly TimeSpan PythonProbes = TimeSpan.FromSeconds(20);

    /// <summary>worker-heavy from 0: the autoscaler's look (2 s), a container start, and Celery's imports on a busy machine.</summary>
    private static readonly TimeSpan HeavyScaleUp = TimeSpan.FromSeconds(90);


    public static IReadOnlyList<SmokeCheck> All() =>
    [
        new PostgresCheck("postgres", "postgres", "SELECT count(*) FROM pg_database WHERE datname IN ('mlstack', 'optuna')", "2"),
        new RedisCheck("redis"),
        new S3Check("objectstore", Via: "ml-service", Bucket: "datasets") { Timeout = PythonProbes },
        new CompletedCheck("objectstore-init"),
        new BucketsCheck("objectstore-init", Via: "ml-service", ["backups", "datasets", "models"]) { Timeout = PythonProbes },
        new CompletedCheck("migrate"),
        new PostgresCheck("migrate", "mlstack", "SELECT to_regclass('public.runs') IS NOT NULL AND to_regclass('public.housekeeping') IS NOT NULL", "t"),
        new HttpCheck("ml-service", "/api/health", JsonPath: "status", JsonValue: "ok"),
        new HttpCheck("ml-service", "/api/metrics", BodyContains: "mlservice_requests_total"),
        new AnonymousWritesCheck("ml-service"),
        new StudyFlow("ml-service", Trials: 3) { Timeout = HeavyScaleUp + TimeSpan.FromSeconds(60), IsSlow = true },
        new TrainPredictFlow("ml-service", Consumer: "worker-heavy", Queue: "ml") { Timeout = HeavyScaleUp + TimeSpan.FromSeconds(60), IsSlow = true },
        // A task on every tier's queue. worker-heavy may be at 0 replicas: its task waits for the autoscaler to start one.
        // It is sent from a container of its own (a Python batch sends all its probes at once): only once a consumer,
        // or the autoscaler, is known to be there, so a failed check leaves no task behind.
        new CeleryTaskCheck("worker-light", Via: "worker-light", Task: "mlservice.tasks.ping", Queue: "quick", Expected: "pong") { Timeout = PythonProbes },
        new CeleryTaskCheck("worker-medium", Via: "worker-light", Task: "mlservice.tasks.ping", Queue: "analytics", Expected: "pong") { Timeout = PythonProbes },
        new CeleryTaskCheck("worker-heavy", Via: "scheduler", Task: "mlservice.tasks.ping", Queue: "ml", Expected: "pong", WaitSeconds: (int)HeavyScaleUp.TotalSeconds) { Timeout = HeavyScaleUp + PythonProbes, IsFlow = true },
        // Their healthchecks read the heartbeat files every 10–15 s; two intervals without a passing read is a failure.
        new HeartbeatCheck("worker-light", "consumer heartbeat fresh", TimeSpan.FromSeconds(25)),
        new HeartbeatCheck("worker-medium", "consumer heartbeat fresh", TimeSpan.FromSeconds(25)),
        new HeartbeatCheck("autoscaler", "deciding every interval (heartbeat fresh)", TimeSpan.FromSeconds(25)),
        // Read from the Engine API, no process started: a docker exec costs seconds over SSH on a busy VM. Prometheus's
        // targets check proves the autoscaler's metrics are scraped.
        new HeartbeatCheck("scaler", "answers /healthz (its own healthcheck)", TimeSpan.FromSeconds(25)),
        new HeartbeatCheck("scheduler", "beat heartbeat fresh", TimeSpan.FromSeconds(35)),
        new HttpCheck("edge", "/healthz", BodyContains: "ok"),
        new HttpCheck("frontend", "/", BodyContains: "<title>mlstack</title>"),
        new TcpCheck("edge-net"), // the published port is edge-net's; the edge behind it answers GET /healthz
        new PrometheusTargetsCheck("prometheus") { Timeout = TimeSpan.FromSeconds(35) },
        new ExecCheck("postgres-exporter", "reports pg_up 1", ["curl", "-fsS", "http://127.0.0.1:9187/metrics"], OutputContains: "pg_up 1"),
        new ExecCheck("redis-exporter", "reports redis_up 1", ["curl", "-fsS", "http://127.0.0.1:9121/metrics"], OutputContains: "redis_up 1"),
        new ExecCheck("alertmanager", "ready for Prometheus's alerts", ["curl", "-fsS", "http://127.0.0.1:9093/-/ready"]),
        new ExecCheck("node-exporter", "reports the data volumes' free space", ["curl", "-fsS", "http://127.0.0.1:9100/metrics"], OutputContains: "mountpoint=\"/volumes/pgdata\""),
    ];
}
