using Mlstack.Tests.Support;

namespace Mlstack.Tests.Pipeline;

/// <summary>GitHub's own workflow parser (@actions/workflow-parser, pinned in workflow-parser/package-lock.json),
/// run with Node.js as the Actions service would read a pushed workflow. Locally a missing Node skips; with CI=true
/// it fails. node_modules is installed on first use (.ci/run installs it up front).</summary>
internal static class WorkflowParser
{
    private static readonly SemaphoreSlim InstallGate = new(1);
    public static string Directory { get; } = Path.Combine(RepositoryRoot.Path, "tests", "Pipeline", "workflow-parser");

    public static async Task<ProcessResult> ValidateAsync(params string[] files)
    {
        await EnsureInstalledAsync();
        return await ChildProcess.RunAsync("node", ["--no-warnings", "--loader", "./loader.mjs", "validate.mjs", .. files], workingDirectory: Directory);
    }

    private static async Task EnsureInstalledAsync()
    {
        ProcessResult? version = null;
        try
        {
            version = await ChildProcess.RunAsync("node", ["--version"], workingDirectory: Directory);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // not on PATH
        }

        if (version is not { ExitCode: 0 })
            Prerequisites.Missing("Node.js is not on PATH; the workflow tests run GitHub's parser with it (Node 20 or later).");

        await InstallGate.WaitAsync();
        try
        {
            if (System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@actions", "workflow-parser")))
                return;
            var install = await ChildProcess.RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], workingDirectory: Directory);
            Assert.True(install.ExitCode == 0, $"npm ci in {Directory} failed:\n{install.Output}");
        }
        finally
        {
            InstallGate.Release();
        }
    }
}
