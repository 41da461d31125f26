using Mlstack.Build.Core;

namespace Mlstack.Build.Backup;

/// <summary>A backup, verification or restore that cannot go on: one line naming what is wrong (the runner prints
/// the target's failure as that line).</summary>
public sealed class BackupException(string message) : BuildFailure(message);
