using Mlstack.Build.Core;
using Mlstack.Build.Gates;

namespace Mlstack.Build.Stack;

/// <summary>The edge refused a change (nginx -t failed, or a name did not resolve): the running config stays.</summary>
public sealed class EdgeFailedException(string message) : BuildFailure(message);

/// <summary>What the build asks of the running edge, by docker exec of its own script (docker/edge/edge.sh): point an
/// upstream at given copies of a service, apply the release's routes, or ask a copy for its check path from inside
/// the edge's network. Every change is tested by nginx before it applies, and returns when nginx's old workers have
/// finished their in-flight requests.</summary>
public sealed class EdgeRoutes(StackEngine engine, ContainerSnapshot edge)
{
    public string Container => edge.Name;

    /// <summary>From now on, <paramref name="upstream"/>'s traffic goes to these containers only.</summary>
    public Task PointAsync(UpstreamSpec upstream, IEnumerable<string> containerNames, CancellationToken ct) =>
        RunAsync(["edge", "route", upstream.Name, .. containerNames.Select(name => $"{name}:{upstream.Port}")], ct);

    /// <summary>A canary's split: <paramref name="share"/> of the upstream's requests to the new copy, the rest to the old
    /// ones (nginx's weighted round robin).</summary>
    public Task WeighAsync(UpstreamSpec upstream, IReadOnlyList<string> old, string fresh, double share, CancellationToken ct)
    {
        var newWeight = Math.Max(1, (int)Math.Round(share * 100));
        var oldWeight = Math.Max(1, (int)Math.Round((100 - newWeight) / (double)old.Count));
        return RunAsync(["edge", "route", upstream.Name, .. old.Select(name => $"{name}:{upstream.Port} weight={oldWeight}"), $"{fresh}:{upstream.Port} weight={newWeight}"], ct);
    }

    /// <summary>The edge's clock (Unix seconds), in which its access log is written.</summary>
    public async Task<double> ClockAsync(CancellationToken ct)
    {
        var (_, stdout, _) = await engine.ExecAsync(edge.Id, ["date", "+%s.%N"], ct).ConfigureAwait(false);
        return double.Parse(stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The addresses each of these containers has on the edge's networks (as they appear in its access log),
    /// all asked in one exec; a name that does not resolve has none.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlySet<string>>> AddressesAsync(IEnumerable<string> containerNames, CancellationToken ct)
    {
        var (_, stdout, _) = await engine.ExecAsync(edge.Id, ["sh", "-c", "for name; do echo \"@$name\"; getent ahostsv4 \"$name\"; done", "sh", .. containerNames], ct).ConfigureAwait(false);
        return Addresses(stdout);
    }

    /// <summary>Reads <see cref="AddressesAsync"/>'s output: an <c>@name</c> line (no container name starts with @),
    /// then getent's lines for it, each starting with an address.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> Addresses(string output)
    {
        var byName = new Dictionary<string, IReadOnlySet<string>>();
        HashSet<string>? current = null;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('@'))
                byName[line[1..]] = current = [];
            else
                current?.Add(line.Split(' ', 2)[0]);
        }

        return byName;
    }

    /// <summary>The edge's latest access-log lines (a canary window's worth and more).</summary>
    public Task<IReadOnlyList<string>> AccessLogAsync(CancellationToken ct) => engine.TailAsync(edge.Id, 100_000, ct);

    /// <summary>Applies the routes mounted from the release (stack/config/edge/site.conf) with a graceful reload.</summary>
    public Task ReloadAsync(CancellationToken ct) => RunAsync(["edge", "reload"], ct);

    /// <summary>Whether the copy answers 2xx on its check path at its own address, asked from the edge: the path the
    /// traffic will take, before any traffic does.</summary>
    public async Task<bool> AnswersAsync(string containerName, UpstreamSpec upstream, CancellationToken ct)
    {
        var (exitCode, _, _) = await engine.ExecAsync(edge.Id, ["curl", "-fsS", "-o", "/dev/null", "--max-time", "10", $"http://{containerName}:{upstream.Port}{upstream.CheckPath}"], ct).ConfigureAwait(false);
        return exitCode == 0;
    }

    private async Task RunAsync(IReadOnlyList<string> command, CancellationToken ct)
    {
        var (exitCode, stdout, stderr) = await engine.ExecAsync(edge.Id, command, ct).ConfigureAwait(false);
        if (exitCode == 0)
            return;
        var said = $"{stderr}\n{stdout}".Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        throw new EdgeFailedException($"The edge ({edge.Name}) refused '{string.Join(' ', command)}': {string.Join(" | ", said.TakeLast(3))}");
    }
}
