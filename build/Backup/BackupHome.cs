namespace Mlstack.Build.Backup;

/// <summary>Where a site keeps backup repositories by default (<paramref name="Folder"/>/&lt;project&gt;), and how
/// it turns a given --backup-repository folder into its full path (or refuses it).</summary>
public sealed record BackupHome(string Folder, Func<string, string> Resolve);
