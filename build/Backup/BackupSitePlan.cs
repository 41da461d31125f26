using Docker.DotNet;
using Mlstack.Build.Smoke;
using Mlstack.Build.Stack;

namespace Mlstack.Build.Backup;

/// <summary>The compose project a scratch stack is made from (its first file is read and unpublished), what Compose
/// interpolates for it, and the folder on the site its compose file is written to.</summary>
public sealed record ScratchSource(ComposeProject Project, IReadOnlyDictionary<string, string> Environment, string Folder);

/// <summary>Runs smoke checks against a stack (SmokeTest's runner and report). Takes ownership of the engine client.</summary>
/// <param name="project">Another compose project than the stack's (a scratch stack), or null for the stack itself.</param>
/// <param name="handler">How HTTP reaches <paramref name="url"/> (through an SSH forward: one connection at a time).</param>
public delegate Task SmokeRun(DockerClient engine, Uri url, IReadOnlyList<string> services, string? project, IReadOnlyList<SmokeCheck> checks, HttpMessageHandler? handler, CancellationToken ct);

/// <summary>What the backup targets need of the build around them, whichever site they work on: the stack's name and
/// model, and the site-specific answers the build computes (where the live stack answers HTTP, what a scratch stack
/// is made from, what the stack runs).</summary>
public sealed record BackupSitePlan(
    string ProjectName,
    TimeSpan? ServiceTimeout,
    Func<CancellationToken, Task<ComposeModel>> Model,
    Func<CancellationToken, Task<Uri>> LiveAddress,
    Func<BackupEntry, string, CancellationToken, Task<ScratchSource>> ScratchSource,
    Func<CancellationToken, Task<BackupOrigin>> Origin,
    SmokeRun Smoke);
