using Mlstack.Build.Deploy;

namespace Mlstack.Tests.Deploy.Fakes;

/// <summary>The stack on the VM, scripted: each start or smoke of a release succeeds unless a rule throws for it.
/// Records what ran ("start r1", "smoke r1", "stop r1", "remove img") and the token each call had.</summary>
internal sealed class ScriptedRuntime : IReleaseRuntime
{
    public List<string> Calls { get; } = [];
    public List<CancellationToken> Tokens { get; } = [];

    /// <summary>Called with "start ID" or "smoke ID"; an exception returned is thrown.</summary>
    public Func<string, Exception?> Failing { get; set; } = _ => null;

    /// <summary>Whether a start touched a container (false: an unchanged stack, only gated again).</summary>
    public bool Touches { get; set; } = true;

    public Task<bool> StartAsync(string releaseId, CancellationToken ct = default) => Run($"start {releaseId}", Touches, ct);

    /// <summary>What each start reports its rollouts did (null: none).</summary>
    public string? LastRollouts { get; set; }

    public Task SmokeAsync(string releaseId, CancellationToken ct = default) => Run($"smoke {releaseId}", true, ct);

    public Task StopAsync(string releaseId, CancellationToken ct = default) => Run($"stop {releaseId}", true, ct);

    public Task RemoveImagesAsync(IReadOnlyList<string> imageIds, CancellationToken ct = default)
    {
        Calls.AddRange(imageIds.Select(i => $"remove {i}"));
        return Task.CompletedTask;
    }

    private Task<bool> Run(string call, bool result, CancellationToken ct)
    {
        Calls.Add(call);
        Tokens.Add(ct);
        if (Failing(call) is { } failure)
            throw failure;
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(result);
    }
}
