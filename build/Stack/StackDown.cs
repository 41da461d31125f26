using Mlstack.Build.Core;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Stack;

/// <summary>Down: the stack's containers and networks go; its data volumes only when asked twice (--remove-volumes --yes).</summary>
public static class StackDown
{
    /// <summary>Deleting the data cannot be undone: a flag alone is not enough, before anything is stopped.</summary>
    public static void Confirm(bool removeVolumes, bool yes)
    {
        if (removeVolumes && !yes)
            throw new BuildInputException("Down --remove-volumes deletes the stack's data (databases, objects, metrics); add --yes to confirm.");
    }

    public static string[] Command(bool removeVolumes) =>
        removeVolumes ? ["down", "--remove-orphans", "--volumes"] : ["down", "--remove-orphans"];

    /// <param name="removeOtherVolumes">Volumes of the stack's that compose does not know (Backup's stage, a copy of
    /// the data): they go with the data.</param>
    public static async Task RunAsync(ComposeProject project, bool removeVolumes, IReadOnlyDictionary<string, string> environment, Func<Task> removeOtherVolumes, BuildLog log, CancellationToken ct)
    {
        await ToolRunner.RunCheckedAsync(project.Cli.File, project.Arguments(Command(removeVolumes)), log, Verbosity.Normal, project.Directory, environment, ct);
        if (removeVolumes)
            await removeOtherVolumes();
        log.Success(removeVolumes ? "Down: containers, networks and volumes (Backup's stage too) removed." : "Down: containers and networks removed; volumes kept.");
    }
}
