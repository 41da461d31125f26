using Mlstack.Build.Core;

namespace Mlstack.Build.Smoke;

/// <summary>What a failing check expected and what it got instead.</summary>
public sealed class CheckFailedException(string expected, string got) : BuildFailure($"expected {expected}, got {got}")
{
    public string Expected { get; } = expected;
    public string Got { get; } = got;

    public static void Unless(bool condition, string expected, string got)
    {
        if (!condition)
            throw new CheckFailedException(expected, got);
    }
}

/// <summary>Some smoke checks failed: the message names the services and the report.</summary>
public sealed class SmokeFailedException(string message) : BuildFailure(message);

/// <summary>Where and how checks reach the stack.</summary>
public sealed class SmokeContext(HttpClient http, Uri stackUrl, ContainerExec exec)
{
    /// <summary>The service every HTTP check and flow goes through (<see cref="StackUrl"/> is its address).</summary>
    public const string Entry = "edge";

    /// <summary>Sends the env file's API token with every request (the writes need it).</summary>
    public HttpClient Http { get; } = http;

    /// <summary>The same way to the stack without a token: what an anonymous client gets.</summary>
    public HttpClient Anonymous { get; init; } = http;
    public Uri StackUrl { get; } = stackUrl;
    public ContainerExec Exec { get; } = exec;

    /// <summary>The worker tiers the autoscaler may stop entirely (autoscale.yaml's min 0).</summary>
    public IReadOnlySet<string> ScaleToZero { get; init; } = new HashSet<string>();

    /// <summary>What checks that passed want said (a certificate close to expiry): printed after the table.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Warnings { get; } = new();

    /// <summary>Python probes, one interpreter per container.</summary>
    public PythonBatch Python { get; } = new(exec);
}

/// <summary>One smoke check of one service. A check throws <see cref="CheckFailedException"/> to fail.</summary>
public abstract record SmokeCheck(string Service, string Name)
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A slow check (the train flow) is left out with --fast; it is a flow too.</summary>
    public bool IsSlow { get; init; }

    /// <summary>An end-to-end flow (tasks through the queues, training, trials): it runs after the probes, whose
    /// docker execs missed their limits on a 2-core VM while training and trials took its CPU.</summary>
    public bool IsFlow { get => field || IsSlow; init; }

    /// <summary>The services whose containers the check goes through: its own, and the one it runs in or is reached by.</summary>
    public virtual IReadOnlyList<string> Needs => [Service];

    public abstract Task RunAsync(SmokeContext context, CancellationToken ct);

    protected static string Clip(string text) =>
        text.Trim().Length > 160 ? text.Trim()[..160] + "…" : text.Trim();

    /// <summary>A command's error output says what went wrong in its last line (a traceback's exception).</summary>
    protected static string LastLine(string text) =>
        Clip(text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)");
}
