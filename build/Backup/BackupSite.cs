using Mlstack.Build.Gates;
using Mlstack.Build.Core;
using Mlstack.Build.Site;
using Mlstack.Build.Stack;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Backup;

/// <summary>Where Backup, Backups, VerifyBackup and Restore work: the helper against the site's engine and its
/// repository, and the site itself (this machine or a VM) for the scratch stacks, gates and smoke checks. Written
/// once against <see cref="IStackSite"/>: nothing here asks which site it is.</summary>
/// <param name="where">The repository, for messages: a folder here, or a folder on the VM.</param>
public sealed partial class BackupSite(IStackSite site, BackupHelper helper, string where, BackupSitePlan plan, BuildLog log) : IAsyncDisposable
{
    public IStackSite Site => site;

    public BackupHelper Helper => helper;

    public string Where => where;

    /// <summary>What the stack on the site runs: this checkout's commit, or the VM's current release.</summary>
    public Task<BackupOrigin> OriginAsync(CancellationToken ct = default) => plan.Origin(ct);

    /// <summary>The Up gate over some of a project's services, after the restore (re)started them.</summary>
    public GateServices Gate(string project) => async (services, ct) =>
    {
        var model = await plan.Model(ct).ConfigureAwait(false);
        var goals = model.Services.Where(s => services.Contains(s.Name)).Select(s => ServiceGoal.For(s, plan.ServiceTimeout)).ToList();
        using var engine = new StackEngine(site.OpenEngine(), project);
        using var gate = new HealthGate(engine, goals, log, live: false);
        await gate.WaitAsync(DateTimeOffset.UtcNow, Task.FromResult(new ToolResult(0, [])), null, ct).ConfigureAwait(false);
    };

    public async ValueTask DisposeAsync()
    {
        helper.Engine.Dispose();
        await site.DisposeAsync().ConfigureAwait(false);
    }
}
