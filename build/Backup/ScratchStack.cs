using Mlstack.Build.Stack;

namespace Mlstack.Build.Backup;

public sealed partial class BackupSite
{
    /// <summary>The stack as a scratch project for VerifyBackup and Restore: its compose file with nothing published,
    /// under a name of its own, written on the site. It runs the whole stack when the stack it stands in for runs the
    /// app, and the data services alone for a data-only stack.</summary>
    public async Task<ScratchProject> ScratchStackAsync(BackupEntry backup, CancellationToken ct = default)
    {
        var name = $"{plan.ProjectName}verify{Guid.NewGuid().ToString("N")[..6]}";
        var live = (await helper.Engine.ContainersAsync(plan.ProjectName, ct).ConfigureAwait(false)).Select(BackupEngine.ServiceOf).OfType<string>().ToHashSet();
        var app = live.Except(StackBackup.DataServices).Any()
            ? (await plan.Model(ct).ConfigureAwait(false)).Services.Select(s => s.Name).Except(StackBackup.DataServices).ToList()
            : [];
        var source = await plan.ScratchSource(backup, helper.Prefix, ct).ConfigureAwait(false);
        var file = $"{source.Folder}/{name}.compose.yaml";
        await site.WriteTextAsync(file, UnpublishedCompose.Of(await site.ReadTextAsync(source.Project.Files[0], ct).ConfigureAwait(false)), ct).ConfigureAwait(false);
        var compose = site.Compose(source.Project with { Name = name, Files = [file] }, source.Environment);
        return new ScratchProject(name, compose, Gate(name), Smoke(), app, () => site.DeleteAsync(file, CancellationToken.None));
    }
}
