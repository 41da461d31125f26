using Mlstack.Build.Backup;
using Mlstack.Build.Deploy;
using Mlstack.Build.Core;
using Mlstack.Build.Host;

namespace Mlstack.Tests.Deploy.Fakes;

/// <summary>One deploy against a <see cref="FakeReleaseVm"/> and a <see cref="ScriptedRuntime"/>: what the state
/// machines see, with nothing but memory and a reports folder behind it.</summary>
internal sealed class DeployScene : IDisposable
{
    private readonly StringWriter _output = new();

    public DeployScene()
    {
        Log = new BuildLog(_output, new SecretMasker(), false);
        Options = new DeployOptions("vm.example.com", Vm.DeployPath, KeepReleases: 5, LockWait: TimeSpan.Zero, Reports);
    }

    public FakeReleaseVm Vm { get; } = new();
    public ScriptedRuntime Runtime { get; } = new();
    public BuildLog Log { get; }
    public DeployOptions Options { get; set; }
    public string Reports { get; } = Path.Combine(Path.GetTempPath(), $"mlstack-deploy-{Guid.NewGuid():N}");
    public string Output => _output.ToString();

    public static ReleaseInfo Release(int n, ReleaseStatus status, string? content = null, params string[] imageIds) =>
        new($"20261204-1000{n:00}-abc{n}", $"sha{n}sha{n}", imageIds.ToDictionary(i => $"mlstack/x:{i}", i => i), "alice", "laptop", DateTimeOffset.UnixEpoch.AddMinutes(n), status, content);

    /// <summary>The files every new release in these tests has; a release with them has <see cref="Content"/>.</summary>
    public static IReadOnlyList<ReleaseFile> Files { get; } = [new("compose.yaml", "services: {}\n"u8.ToArray(), UnixFileMode.UserRead | UnixFileMode.UserWrite)];

    public static string Content { get; } = ReleaseBundle.Hash(Files);

    public Task DeployAsync(ReleaseInfo release, OutgoingBackup? backUp = null, CancellationToken ct = default) =>
        new ReleaseDeployment(Vm, Runtime, Options, Log).RunAsync(release, _ => Task.FromResult(Files), backUp ?? ((_, _, _) => Task.FromResult<BackupEntry?>(null)), ct);

    public IEnumerable<AuditOutcome> Outcomes => Vm.Audit.Select(a => a.Outcome);

    public void Dispose()
    {
        _output.Dispose();
        if (Directory.Exists(Reports))
            Directory.Delete(Reports, recursive: true);
    }
}
