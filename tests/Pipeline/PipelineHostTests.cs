using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Pipeline;

/// <summary>On GitHub Actions (GITHUB_ACTIONS=true) the build folds each target into a group, annotates a failure,
/// registers secrets with the runner and writes Markdown to $GITHUB_STEP_SUMMARY; elsewhere it does none of that.</summary>
public sealed class PipelineHostTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlstack-gha-").FullName;

    private string SummaryFile => Path.Combine(_folder, "summary.md");

    private sealed class ReleaseBuild : BuildHost
    {
        [Parameter("API token"), Secret] public string? ApiToken;

        public Target Announce => _ => _.Executes(() =>
        {
            Log.Info($"calling the API with {ApiToken}");
            Log.StepSummary.Append($"## Released v1 (token {ApiToken})");
        });

        public Target Broken => _ => _.After(Announce).Executes(() => throw new InvalidOperationException("disk is full\nat /srv"));
    }

    private Dictionary<string, string> GitHubEnvironment(string token) => new()
    {
        ["GITHUB_ACTIONS"] = "true",
        ["GITHUB_STEP_SUMMARY"] = SummaryFile,
        ["ApiToken"] = token,
    };

    [Fact]
    public async Task Targets_are_groups_a_failure_is_an_error_annotation_secrets_are_masked_and_the_summary_is_Markdown()
    {
        var result = await BuildRun.RunAsync(new ReleaseBuild(), x => x.Announce, ["Announce", "Broken"], GitHubEnvironment("tok-8812345"));

        Assert.Equal(1, result.ExitCode);
        var lines = result.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int At(string line) => lines.IndexOf(line) is var i and >= 0 ? i : throw new Xunit.Sdk.XunitException($"'{line}' not in:\n{result.Output}");
        Assert.True(At("::add-mask::tok-8812345") < At("::group::Announce"));
        Assert.True(At("::group::Announce") < At("calling the API with ***"));
        Assert.True(At("calling the API with ***") < At("::group::Broken"));
        Assert.True(At("::group::Broken") < At("::error title=Target Broken failed::disk is full%0Aat /srv"));
        Assert.Equal(2, lines.Count(l => l == "::endgroup::"));
        Assert.DoesNotContain("═══ Announce ═══", result.Output);

        var summary = File.ReadAllText(SummaryFile);
        Assert.Contains("## Released v1 (token ***)", summary);
        Assert.Contains("### ❌ Build failed", summary);
        Assert.Contains("| Target | Status | Duration |", summary);
        Assert.Matches(@"\| Announce \| Succeeded \| .+ \|", summary);
        Assert.Contains("| Broken | Failed (disk is full at /srv) |", summary);
        Assert.DoesNotContain("tok-8812345", summary);
    }

    [Fact]
    public async Task A_multi_line_secret_is_registered_a_line_at_a_time()
    {
        var result = await BuildRun.RunAsync(new ReleaseBuild(), x => x.Announce, ["Announce"], GitHubEnvironment("-----BEGIN KEY-----\nAAAAB3Nza\n-----END KEY-----"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("::add-mask::-----BEGIN KEY-----\n::add-mask::AAAAB3Nza\n::add-mask::-----END KEY-----\n", result.Output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Outside_GitHub_Actions_there_are_no_workflow_commands_and_no_summary()
    {
        var environment = GitHubEnvironment("tok-8812345");
        environment.Remove("GITHUB_ACTIONS");

        var result = await BuildRun.RunAsync(new ReleaseBuild(), x => x.Announce, ["Announce", "Broken"], environment);

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("::", result.Output);
        Assert.DoesNotContain("tok-8812345", result.Output);
        Assert.Contains("═══ Announce ═══", result.Output);
        Assert.False(File.Exists(SummaryFile));
    }

    [Fact]
    public async Task The_ci_jobs_build_steps_run_in_order_on_a_simulated_runner()
    {
        // The real build, each ./build.sh step of ci.yml in order, with the runner's files pointed at temp files. The
        // Docker endpoint is made unreachable and the step's own target skipped, so the run is quick, fails in Doctor
        // where the tier needs an engine, and never starts the test suite inside itself.
        var ci = Path.Combine(RepositoryRoot.Path, ".github", "workflows", "ci.yml");
        var steps = WorkflowSteps.BuildSteps("ci", File.ReadAllText(ci));
        Assert.NotEmpty(steps);
        foreach (var step in steps)
        {
            var environment = step.Environment.ToDictionary(e => e.Key, e => (string?)e.Value);
            environment["GITHUB_ACTIONS"] = "true";
            environment["GITHUB_STEP_SUMMARY"] = SummaryFile;
            environment["GITHUB_OUTPUT"] = Path.Combine(_folder, "output");
            environment["GITHUB_ENV"] = Path.Combine(_folder, "env");
            environment["DOCKER_HOST"] = "tcp://127.0.0.1:1";
            var targets = step.Arguments.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
            var result = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), [.. step.Arguments, "--skip", .. targets], environment);
            if (targets is ["UnitTest"])
            {
                Assert.True(result.ExitCode == 0, result.Output); // the unit tier needs no engine: nothing else to run
                continue;
            }

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("::group::Doctor\n", result.Output.ReplaceLineEndings("\n"));
            Assert.Contains("::endgroup::\n::error title=Target Doctor failed::No Docker Engine answers at tcp://127.0.0.1:1/", result.Output.ReplaceLineEndings("\n"));
        }

        var summary = File.ReadAllText(SummaryFile);
        Assert.Contains("### ❌ Build failed", summary);
        Assert.Contains("| Doctor | Failed (No Docker Engine answers", summary);
        Assert.Contains("| UnitTest | Skipped (--skip) |", summary);
        Assert.Contains("| SystemTest | Skipped (--skip) |", summary);
    }

    [Fact]
    public void A_JUnit_report_becomes_counts_and_a_table_of_failures()
    {
        var junit = Path.Combine(_folder, "tests.xml");
        File.WriteAllText(junit, """
            <testsuites><testsuite name="x" tests="3">
              <testcase classname="Mlstack.Tests.A" name="passes" />
              <testcase classname="Mlstack.Tests.A" name="Mlstack.Tests.A.fails"><failure message="Assert.Equal() Failure | values differ&#10;Expected: 1">stack</failure></testcase>
              <testcase classname="Mlstack.Tests.B" name="skips"><skipped message="no engine" /></testcase>
            </testsuite></testsuites>
            """);

        var markdown = JUnitMarkdown.Summarise(junit, "Tests");

        Assert.StartsWith("### ❌ Tests: 1 passed, 1 failed, 1 skipped", markdown);
        Assert.Contains("| Mlstack.Tests.A.fails | Assert.Equal() Failure \\| values differ |", markdown);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
