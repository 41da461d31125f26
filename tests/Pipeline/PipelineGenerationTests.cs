using Mlstack.Build.GitHubActions;
using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Tests.Pipeline;

/// <summary>The workflows come from the build's attributes: committed files equal what it generates, the ci workflow
/// has the shape the issue asks for, and a stale name or a stale file fails the build with one line.</summary>
public sealed class PipelineGenerationTests
{
    private static readonly string WorkflowsDirectory = Path.Combine(RepositoryRoot.Path, ".github", "workflows");

    [Fact]
    public void The_committed_workflows_are_what_the_build_generates()
    {
        var build = new Mlstack.Build.Build();
        var declarations = new BuildDeclarations(TargetDiscovery.Discover(build), BuildParameter.Discover(build));
        var generated = ConfigurationFiles.Declared(build).ToDictionary(a => a.RelativePath, a => a.Generate(declarations));

        Assert.Contains(".github/workflows/ci.yml", generated.Keys);
        foreach (var (path, text) in generated)
            Assert.Equal(text, File.ReadAllText(Path.Combine(RepositoryRoot.Path, path)).ReplaceLineEndings("\n"));
        // No hand-written workflow beside them: every file there is one the build generates.
        var committed = Directory.GetFiles(WorkflowsDirectory).Select(f => Path.GetRelativePath(RepositoryRoot.Path, f).Replace('\\', '/'));
        Assert.Equal(generated.Keys.Order(), committed.Order());
    }

    [Fact]
    public void Ci_runs_each_test_tier_as_its_own_job_on_push_and_pull_request_with_the_nuget_cache_debootstrap_and_the_reports()
    {
        var ci = WorkflowSteps.Load(File.ReadAllText(Path.Combine(WorkflowsDirectory, "ci.yml")));
        var on = (YamlMappingNode)ci["on"];
        Assert.Equal("main", ((YamlSequenceNode)on["push"]["branches"]).Children.Single().ToString());
        Assert.True(on.Children.ContainsKey("pull_request"));
        var jobs = (YamlMappingNode)ci["jobs"];
        Assert.Equal(["unit-test", "integration-test", "system-test"], jobs.Children.Keys.Select(k => k.ToString()));
        foreach (var (id, job) in jobs.Children.Select(j => (j.Key.ToString(), (YamlMappingNode)j.Value)))
        {
            Assert.False(job.Children.ContainsKey("needs"), $"{id} waits for another job; the tiers run side by side");
            var steps = ((YamlSequenceNode)job["steps"]).Children.Cast<YamlMappingNode>().ToList();
            string? Find(string key, string prefix) => steps.Select(s => WorkflowSteps.Value(s, key)).FirstOrDefault(v => v?.StartsWith(prefix, StringComparison.Ordinal) == true);

            var target = string.Concat(id.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
            Assert.Equal($"./build.sh {target}", steps.Select(WorkflowSteps.BuildCommand).OfType<string>().Single());
            Assert.Contains("debootstrap", Find("run", "sudo apt-get"));
            var cache = steps.Single(s => WorkflowSteps.Value(s, "uses") == "actions/cache@v4");
            Assert.Equal("~/.nuget/packages", cache["with"]["path"].ToString());
            Assert.Contains("hashFiles('**/global.json', '**/*.csproj', '**/Directory.Packages.props')", cache["with"]["key"].ToString());
            var publish = steps.Single(s => WorkflowSteps.Value(s, "uses") == "actions/upload-artifact@v4");
            Assert.Equal("always()", WorkflowSteps.Value(publish, "if"));
            Assert.Equal(".nuke/temp/reports", publish["with"]["path"].ToString());
            Assert.Equal($"reports-{id}", publish["with"]["name"].ToString()); // unique within the run
        }
    }

    [Fact]
    public void Ci_runs_the_build_as_root_after_installing_what_the_tests_need()
    {
        var steps = WorkflowSteps.Steps(WorkflowSteps.Load(File.ReadAllText(Path.Combine(WorkflowsDirectory, "ci.yml")))).ToList();
        var runs = steps.Select(s => WorkflowSteps.Value(s, "run")).OfType<string>().ToList();

        Assert.Equal("sudo -E env \"PATH=$PATH\" ./build.sh SystemTest", runs[^1]);
        Assert.Contains(runs, r => r.StartsWith("sudo apt-get", StringComparison.Ordinal) && r.Contains("openssh-server docker-registry", StringComparison.Ordinal));
        Assert.Contains("npm ci --prefix tests/Pipeline/workflow-parser --no-audit --no-fund", runs);
        Assert.True(runs.IndexOf("npm ci --prefix tests/Pipeline/workflow-parser --no-audit --no-fund") < runs.IndexOf("sudo -E env \"PATH=$PATH\" ./build.sh UnitTest"), "npm ci must run before the build");
    }

    [Fact]
    public void Deploy_runs_on_a_tag_or_by_hand_in_production_one_at_a_time_with_the_key_and_settings_as_secrets()
    {
        var deploy = WorkflowSteps.Load(File.ReadAllText(Path.Combine(WorkflowsDirectory, "deploy.yml")));
        var job = (YamlMappingNode)((YamlMappingNode)deploy["jobs"]).Children.Values.Single();
        var steps = WorkflowSteps.BuildSteps("deploy", File.ReadAllText(Path.Combine(WorkflowsDirectory, "deploy.yml")));

        Assert.Equal("v*", ((YamlSequenceNode)deploy["on"]["push"]["tags"]).Children.Single().ToString());
        Assert.Equal("false", deploy["on"]["workflow_dispatch"]["inputs"]["release"]["required"].ToString());
        Assert.Equal("production", job["environment"]["name"].ToString());
        Assert.Equal("deploy", deploy["concurrency"]["group"].ToString());
        Assert.Equal("false", deploy["concurrency"]["cancel-in-progress"].ToString());
        Assert.Equal([["Deploy"], ["Rollback"]], steps.Select(s => s.Arguments));
        Assert.Equal(["inputs.release == ''", "inputs.release != ''"], steps.Select(s => s.Condition));
        var env = steps[0].Environment;
        Assert.Equal("secret-DEPLOY_SSH_KEY", env["SshPrivateKey"]);
        Assert.Equal("secret-STACK_ENV", env["StackEnv"]);
        Assert.Equal("var-DEPLOY_HOST", env["Host"]);
        Assert.Equal("var-DEPLOY_HOST_FINGERPRINT", env["HostFingerprint"]);
        Assert.Equal("v1.2.3", steps[1].Environment["To"]);
        // A switch: on only when the variable says true; unset (GitHub's empty string) is off, not a parse error.
        Assert.Contains("TlsAtLoadBalancer: ${{ vars.TLS_AT_LOAD_BALANCER == 'true' }}", File.ReadAllText(Path.Combine(WorkflowsDirectory, "deploy.yml")), StringComparison.Ordinal);
        Assert.Equal("false", env["TlsAtLoadBalancer"]);
    }

    [Theory]
    [InlineData("backup", "0 3 * * 1-6", new[] { "Backup" })]
    [InlineData("backup-weekly", "0 3 * * 0", new[] { "Backup", "VerifyBackup" })]
    public void Backups_run_nightly_on_the_VM_with_its_key_settings_and_repository_password_as_secrets(string name, string cron, string[] targets)
    {
        var text = File.ReadAllText(Path.Combine(WorkflowsDirectory, $"{name}.yml"));
        var workflow = WorkflowSteps.Load(text);
        var step = Assert.Single(WorkflowSteps.BuildSteps(name, text));

        Assert.Equal(cron, ((YamlSequenceNode)workflow["on"]["schedule"]).Children.Single()["cron"].ToString());
        Assert.Equal("backup", workflow["concurrency"]["group"].ToString());
        Assert.Equal("false", workflow["concurrency"]["cancel-in-progress"].ToString());
        Assert.Equal(targets, step.Arguments);
        Assert.Equal("secret-BACKUP_PASSWORD", step.Environment["BackupPassword"]);
        Assert.Equal("secret-DEPLOY_SSH_KEY", step.Environment["SshPrivateKey"]);
        Assert.Equal("secret-STACK_ENV", step.Environment["StackEnv"]);
        Assert.Equal("var-DEPLOY_HOST", step.Environment["Host"]);
        Assert.Equal("var-DEPLOY_HOST_FINGERPRINT", step.Environment["HostFingerprint"]);
    }

    [Fact]
    public void The_remaining_options_reach_the_workflow()
    {
        var yaml = WorkflowSteps.Load(GeneratedWorkflows.Generate(new OptionsPipelineBuild())["options"]);
        var job = (YamlMappingNode)((YamlMappingNode)yaml["jobs"])["ubuntu-22_04"];
        var steps = WorkflowSteps.Steps(yaml).ToList();

        Assert.Equal("ubuntu-22.04", job["runs-on"].ToString());
        Assert.Equal(["v*", "!v*-rc*"], ((YamlSequenceNode)yaml["on"]["push"]["tags"]).Children.Select(c => c.ToString()));
        Assert.Equal("30 1 * * *", ((YamlSequenceNode)yaml["on"]["schedule"]).Children.Single()["cron"].ToString());
        Assert.Equal("true", yaml["on"]["workflow_dispatch"]["inputs"]["services"]["required"].ToString());
        Assert.Equal("Services to publish", yaml["on"]["workflow_dispatch"]["inputs"]["services"]["description"].ToString());
        Assert.Equal("options-${{ github.ref }}", yaml["concurrency"]["group"].ToString());
        Assert.Equal("0", steps[0]["with"]["fetch-depth"].ToString());
        Assert.DoesNotContain(steps, s => WorkflowSteps.Value(s, "uses") is "actions/cache@v4" or "actions/upload-artifact@v4");
        var run = steps.Single(s => WorkflowSteps.Value(s, "run") == "./build.sh Publish");
        Assert.Equal("${{ vars.REGISTRY_URL }}", run["env"]["REGISTRY_URL"].ToString());
        Assert.Equal("${{ inputs.services }}", run["env"]["Services"].ToString());
    }

    [GitHubActions("broken", GitHubActionsImage.UbuntuLatest, OnPushBranches = ["main"], InvokedTargets = ["Deploi"])]
    private sealed class UnknownTargetBuild : BuildHost
    {
        public Target Deploy => _ => _.Executes(() => { });
    }

    [Fact]
    public async Task A_target_name_the_build_does_not_declare_fails_generation_naming_workflow_and_target()
    {
        var result = await BuildRun.RunAsync(new UnknownTargetBuild(), x => x.Deploy, ["--plan"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Workflow broken (.github/workflows/broken.yml): InvokedTargets names 'Deploi', which is not a target of the build. Did you mean Deploy?", result.Output.Trim());
    }

    [GitHubActions("both", GitHubActionsImage.UbuntuLatest, OnPushBranches = ["main"], InvokedTargets = [nameof(Unit)], ParallelJobs = [nameof(Unit), nameof(Slow)])]
    private sealed class JobsAndTargetsBuild : BuildHost
    {
        public Target Unit => _ => _.Executes(() => { });
        public Target Slow => _ => _.Executes(() => { });
    }

    [Fact]
    public async Task ParallelJobs_beside_InvokedTargets_fails_generation_saying_to_choose()
    {
        var result = await BuildRun.RunAsync(new JobsAndTargetsBuild(), x => x.Unit, ["--plan"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Workflow both (.github/workflows/both.yml): ParallelJobs replaces InvokedTargets and WhenInput: set one or the other.", result.Output.Trim());
    }

    [GitHubActions("leaky", GitHubActionsImage.UbuntuLatest, OnPushBranches = ["main"], InvokedTargets = [nameof(Deploy)], ImportSecrets = [nameof(Token)])]
    private sealed class SecretIntoPlainParameterBuild : BuildHost
    {
        [Parameter("API token")] public string? Token;
        public Target Deploy => _ => _.Executes(() => { });
    }

    [Fact]
    public async Task A_secret_imported_into_a_parameter_that_is_not_Secret_fails_generation()
    {
        var result = await BuildRun.RunAsync(new SecretIntoPlainParameterBuild(), x => x.Deploy, ["--plan"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ImportSecrets hands a secret to parameter Token, which is not [Secret]", result.Output);
    }

    [GitHubActions("small", GitHubActionsImage.UbuntuLatest, OnWorkflowDispatch = true, InvokedTargets = [nameof(Hello)])]
    private sealed class SmallBuild : BuildHost
    {
        public Target Hello => _ => _.Executes(() => { });
    }

    [Fact]
    public async Task With_CI_true_a_stale_workflow_fails_the_build_in_one_line_and_is_left_as_it_was()
    {
        using var root = new TempRoot();
        Directory.CreateDirectory(Path.Combine(root.Path, ".git")); // a checkout: its committed workflows are checked
        var file = Path.Combine(root.Path, ".github", "workflows", "small.yml");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, "name: small # edited by hand\n");

        var inCi = await BuildRun.RunAsync(new SmallBuild(), x => x.Hello, ["Hello"], new Dictionary<string, string> { ["CI"] = "true" }, root);

        Assert.Equal(1, inCi.ExitCode);
        Assert.Equal(".github/workflows/small.yml differs from what the build generates: run ./build.sh once locally and commit it (CI never rewrites it).", inCi.Output.Trim());
        Assert.Equal("name: small # edited by hand\n", File.ReadAllText(file));

        var local = await BuildRun.RunAsync(new SmallBuild(), x => x.Hello, ["Hello"], root: root);

        Assert.Equal(0, local.ExitCode);
        Assert.Contains("./build.sh Hello", File.ReadAllText(file));
        Assert.Equal(0, (await BuildRun.RunAsync(new SmallBuild(), x => x.Hello, ["Hello"], new Dictionary<string, string> { ["CI"] = "true" }, root)).ExitCode);
    }

    [Fact]
    public async Task With_CI_true_a_scratch_root_that_is_no_checkout_just_gets_its_workflows()
    {
        using var root = new TempRoot();

        var inCi = await BuildRun.RunAsync(new SmallBuild(), x => x.Hello, ["Hello"], new Dictionary<string, string> { ["CI"] = "true" }, root);

        Assert.Equal(0, inCi.ExitCode);
        Assert.True(File.Exists(Path.Combine(root.Path, ".github", "workflows", "small.yml")));
    }

    [Theory]
    [InlineData("main")]
    [InlineData("v*")]
    [InlineData("*")]
    [InlineData("on")]
    [InlineData("yes")]
    [InlineData("1.0")]
    [InlineData("0 3 * * 1-6")]
    [InlineData("a: b")]
    [InlineData("x #y")]
    [InlineData("it's")]
    [InlineData("-x")]
    [InlineData("!inputs.release")]
    [InlineData("${{ hashFiles('**/*.csproj') }}")]
    [InlineData("Setup: .NET")]
    public void Every_scalar_reads_back_as_the_same_string(string value)
    {
        var node = WorkflowSteps.Load($"key: {YamlWriter.Quote(value)}\n");

        var scalar = (YamlScalarNode)node["key"];
        Assert.Equal(value, scalar.Value);
        // Plain (unquoted) only when a YAML 1.1 reader would not take it for a boolean, number or null either.
        Assert.True(scalar.Style != YamlDotNet.Core.ScalarStyle.Plain || !System.Text.RegularExpressions.Regex.IsMatch(value, "^(on|yes|[0-9.]+)$"));
    }
}
