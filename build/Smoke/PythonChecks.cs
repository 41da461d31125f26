using System.Text.Json;

namespace Mlstack.Build.Smoke;

/// <summary>A check run as a Python function <c>probe(*args)</c> inside <paramref name="Via"/>'s container (with the
/// stack's own credentials and network); checks on one container share one interpreter (<see cref="PythonBatch"/>).</summary>
public abstract record PythonCheck(string Service, string Name, string Via) : SmokeCheck(Service, Name)
{
    public override IReadOnlyList<string> Needs => [Service, Via];

    /// <summary>Python source defining <c>probe(*args)</c>; what it returns is what <see cref="Verify"/> sees.</summary>
    public abstract string Source { get; }

    public abstract IReadOnlyList<string> Arguments { get; }

    public override async Task RunAsync(SmokeContext context, CancellationToken ct) =>
        Verify(await context.Python.ResultAsync(this, ct).ConfigureAwait(false));

    protected abstract void Verify(JsonElement value);

    /// <summary>A client per probe, from a session of its own: boto3's default session is not thread-safe.</summary>
    protected const string S3Client = """
        import os, boto3
        from mlservice.secretfiles import secret
        def s3():
            return boto3.session.Session().client("s3", endpoint_url=os.environ.get("S3_ENDPOINT_URL"), region_name="us-east-1",
                aws_access_key_id=os.environ["S3_ACCESS_KEY_ID"], aws_secret_access_key=secret("S3_SECRET_ACCESS_KEY"))
        """;
}

/// <summary>Put, get and delete of a scratch object, content compared.</summary>
public sealed record S3Check(string Service, string Via, string Bucket) : PythonCheck(Service, $"put/get/delete in {Bucket}", Via)
{
    private readonly string _body = $"smoke {Guid.NewGuid():N}";

    public override string Source => S3Client + "\n" + """
        def probe(bucket, key, body):
            client = s3()
            client.put_object(Bucket=bucket, Key=key, Body=body.encode())
            try:
                return client.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
            finally:
                client.delete_object(Bucket=bucket, Key=key)
        """;

    public override IReadOnlyList<string> Arguments => [Bucket, $"smoke/{Guid.NewGuid():N}", _body];

    protected override void Verify(JsonElement value) =>
        CheckFailedException.Unless(value.GetString() == _body, $"'{_body}' back", Clip(value.ToString()));
}

/// <summary>The buckets the init job creates exist.</summary>
public sealed record BucketsCheck(string Service, string Via, IReadOnlyList<string> Buckets) : PythonCheck(Service, "buckets exist", Via)
{
    public override string Source => S3Client + "\n" + """
        def probe():
            return sorted(b["Name"] for b in s3().list_buckets()["Buckets"])
        """;

    public override IReadOnlyList<string> Arguments => [];

    protected override void Verify(JsonElement value)
    {
        var found = value.EnumerateArray().Select(b => b.GetString()).ToList();
        CheckFailedException.Unless(Buckets.All(found.Contains), string.Join(", ", Buckets), string.Join(", ", found));
    }
}

/// <summary>A real task through the broker to the queue a worker serves, and its result back within
/// <paramref name="WaitSeconds"/> (for a tier at 0 replicas: long enough for the autoscaler to start one).</summary>
public sealed record CeleryTaskCheck(string Service, string Via, string Task, string Queue, string Expected, int WaitSeconds = 8) : PythonCheck(Service, $"runs {Task} from queue {Queue}", Via)
{
    public override string Source => """
        import os
        from celery import Celery
        from celery.exceptions import TimeoutError
        from mlservice import config
        def probe(task, queue, wait):
            app = Celery(broker=config.BROKER_URL, backend=config.RESULT_BACKEND)
            result = app.send_task(task, queue=queue)
            try:
                return result.get(timeout=int(wait))
            except TimeoutError:
                result.revoke()
                return f"no result within {wait}s: no {queue} consumer took it"
            finally:
                result.forget()
        """;

    public override IReadOnlyList<string> Arguments => [Task, Queue, WaitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    public override async Task RunAsync(SmokeContext context, CancellationToken ct)
    {
        await QueueConsumer.RequireAsync(context, Service, Queue, "so no task was sent", ct).ConfigureAwait(false);
        await base.RunAsync(context, ct).ConfigureAwait(false);
    }

    protected override void Verify(JsonElement value) =>
        CheckFailedException.Unless(value.ToString() == Expected, Expected, Clip(value.ToString()));
}
