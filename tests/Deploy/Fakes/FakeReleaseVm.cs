using System.Formats.Tar;
using System.Text;
using System.Text.RegularExpressions;
using Mlstack.Build.Deploy;
using Mlstack.Build.Deploy.Commands;
using Mlstack.Build.Remote;

namespace Mlstack.Tests.Deploy.Fakes;

/// <summary>A VM's deploy path in memory. It answers exactly the command lines of <see cref="ReleaseCommands"/> and
/// <see cref="LockCommands"/> (compared by value, so a changed command is a failing test here, not a surprise on a VM),
/// and treats anything else as a command that succeeded.</summary>
internal sealed partial class FakeReleaseVm(string deployPath = "/srv/mlstack") : IRemoteShell
{
    private readonly Dictionary<string, byte[]> _uploads = new(StringComparer.Ordinal);

    public SshTarget Target { get; } = new("root", "vm.example.com", 22);
    public string DeployPath { get; } = deployPath;
    public SortedDictionary<string, ReleaseInfo> Releases { get; } = new(StringComparer.Ordinal);
    public Dictionary<ReleaseLink, string> Links { get; } = [];
    public List<AuditEntry> Audit { get; } = [];
    public List<string> Ran { get; } = [];
    public bool Alive { get; set; } = true;

    /// <summary>lock.json; set with <see cref="HeldByOther"/> to play a deploy that holds the lock.</summary>
    public string? LockJson { get; set; }
    public bool HeldByOther { get; set; }
    public bool LockHeld { get; private set; }

    /// <summary>Throws for a command this returns an exception for (before it changes anything).</summary>
    public Func<string, Exception?> Failing { get; set; } = _ => null;

    public ReleaseInfo Add(ReleaseInfo release, params ReleaseLink[] links)
    {
        Releases[release.Id] = release;
        foreach (var link in links)
            Links[link] = release.Id;
        return release;
    }

    public Task<RemoteCommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken ct = default)
    {
        Ran.Add(command);
        if (Failing(command) is { } failure)
            throw failure;
        if (command.Contains("flock", StringComparison.Ordinal))
            return HeldByOther ? Done(command, LockCommands.HeldElsewhere) : HoldLockAsync(command, ct);
        if (command == LockCommands.ReadHolder(DeployPath))
            return Done(command, 0, LockJson ?? "");
        if (command == ReleaseCommands.List(DeployPath))
            return Done(command, 0, Listing());
        foreach (var link in Enum.GetValues<ReleaseLink>())
        {
            if (command == ReleaseCommands.Resolve(DeployPath, link))
                return Done(command, 0, Links.TryGetValue(link, out var target) ? $"releases/{target}\n" : "");
        }

        if (AuditLine().Match(command) is { Success: true } audit)
            Audit.Add(ReleaseJson.Lines<AuditEntry>(Unquote(audit.Groups[1].Value)).Single());
        else if (command.StartsWith("rm -rf ", StringComparison.Ordinal))
            Prune(command);
        else
            Change(command);
        return Done(command, 0);
    }

    private void Change(string command)
    {
        foreach (var id in _uploads.Keys.Select(ArchiveId).OfType<string>().ToList())
        {
            if (command != ReleaseCommands.Unpack(DeployPath, id))
                continue;
            var release = ReadTar(_uploads[ReleaseCommands.Archive(DeployPath, id)]);
            Releases[release.Id] = release;
        }

        foreach (var link in Enum.GetValues<ReleaseLink>())
        {
            if (Releases.Keys.FirstOrDefault(id => command == ReleaseCommands.Point(DeployPath, link, id)) is { } id)
                Links[link] = id;
        }
    }

    private void Prune(string command)
    {
        foreach (var id in Releases.Keys.Where(id => command.Contains($"'{ReleaseCommands.ReleaseDirectory(DeployPath, id)}'", StringComparison.Ordinal)).ToList())
            Releases.Remove(id);
    }

    public Task UploadAsync(ReadOnlyMemory<byte> content, string remotePath, UnixFileMode mode, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        Ran.Add($"upload {remotePath}");
        if (Failing($"upload {remotePath}") is { } failure)
            throw failure;
        _uploads[remotePath] = content.ToArray();
        if (remotePath.EndsWith("/release.json", StringComparison.Ordinal))
        {
            var release = ReleaseJson.Lines<ReleaseInfo>(Encoding.UTF8.GetString(content.Span)).Single();
            Releases[release.Id] = release;
        }

        return Task.CompletedTask;
    }

    public Task<bool> IsAliveAsync() => Task.FromResult(Alive);

    private async Task<RemoteCommandResult> HoldLockAsync(string command, CancellationToken ct)
    {
        LockJson = Unquote(HolderJson().Match(command).Groups[1].Value);
        LockHeld = true;
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        finally
        {
            LockHeld = false;
        }

        return new RemoteCommandResult(command, 0, "", "");
    }

    private string Listing() =>
        string.Concat(Releases.Values.Select(r => ReleaseJson.Line(r) + "\n"))
        + $"@current {(Links.TryGetValue(ReleaseLink.Current, out var c) ? $"releases/{c}" : "")}\n"
        + $"@last_good {(Links.TryGetValue(ReleaseLink.LastGood, out var g) ? $"releases/{g}" : "")}\n";

    private string? ArchiveId(string path) =>
        path.StartsWith($"{DeployPath}/releases/.", StringComparison.Ordinal) && path.EndsWith(".tar", StringComparison.Ordinal) ? path[$"{DeployPath}/releases/.".Length..^4] : null;

    private static ReleaseInfo ReadTar(byte[] tar)
    {
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.Name == "release.json")
                return ReleaseJson.Lines<ReleaseInfo>(new StreamReader(entry.DataStream!).ReadToEnd()).Single();
        }

        throw new InvalidDataException("the release's tar has no release.json");
    }

    private static Task<RemoteCommandResult> Done(string command, int exitCode, string output = "") =>
        Task.FromResult(new RemoteCommandResult(command, exitCode, output, ""));

    private static string Unquote(string quoted) => quoted[1..^1].Replace("'\\''", "'", StringComparison.Ordinal);

    [GeneratedRegex(@"printf '%s' ('(?:[^']|'\\'')*')")]
    private static partial Regex HolderJson();

    [GeneratedRegex(@"printf '%s\\n' ('(?:[^']|'\\'')*')")]
    private static partial Regex AuditLine();
}
