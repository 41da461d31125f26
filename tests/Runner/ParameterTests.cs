using Mlstack.Tests.Support;

namespace Mlstack.Tests.Runner;

public sealed class ParameterConversionTests
{
    [Fact]
    public async Task Command_line_values_are_converted_to_each_type()
    {
        var build = new ParameterBuild();
        var result = await BuildRun.RunAsync(build, x => x.Show,
            ["--host", "vm1", "--rate", "50", "--duration", "1m30s", "--environment", "prod", "--yes", "--services", "redis", "postgres"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("vm1", build.Host);
        Assert.Equal(50, build.Rate);
        Assert.Equal(TimeSpan.FromSeconds(90), build.Duration);
        Assert.Equal(StackEnvironment.Prod, build.Environment);
        Assert.True(build.Yes);
        Assert.Equal(["redis", "postgres"], build.Services);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("2m", 120)]
    [InlineData("1h", 3600)]
    [InlineData("250ms", 0.25)]
    [InlineData("00:00:05", 5)]
    public async Task Durations_accept_units(string text, double seconds)
    {
        var build = new ParameterBuild();
        await BuildRun.RunAsync(build, x => x.Show, ["--duration", text]);

        Assert.Equal(TimeSpan.FromSeconds(seconds), build.Duration);
    }

    [Fact]
    public async Task A_bool_flag_takes_an_explicit_false_and_leaves_a_following_target_alone()
    {
        var build = new ParameterBuild();
        var result = await BuildRun.RunAsync(build, x => x.Echo, ["--yes", "Show"]);
        Assert.True(build.Yes);
        Assert.Equal(["Show"], build.Ran);

        var explicitFalse = new ParameterBuild();
        await BuildRun.RunAsync(explicitFalse, x => x.Show, ["--yes", "false"]);
        Assert.False(explicitFalse.Yes);
        Assert.Equal(0, result.ExitCode);
    }

    [Theory]
    [InlineData("--rate", "fast", "Parameter --rate (command line): 'fast' is not valid; expected a whole number, e.g. 50.")]
    [InlineData("--duration", "soon", "Parameter --duration (command line): 'soon' is not valid; expected a duration such as 90s, 2m, 1h or 1m30s.")]
    [InlineData("--environment", "staging", "Parameter --environment (command line): 'staging' is not valid; expected one of dev, prod.")]
    [InlineData("--yes", "maybe", "Parameter --yes (command line): 'maybe' is not valid; expected true or false.")]
    public async Task A_bad_value_fails_before_any_target_runs_naming_parameter_value_and_form(string option, string value, string message)
    {
        var build = new ParameterBuild();
        var result = await BuildRun.RunAsync(build, x => x.Show, ["Show", option + "=" + value]);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(build.Ran);
        Assert.Equal(message, result.Output.Trim());
    }

    [Fact]
    public async Task A_scalar_parameter_without_a_value_says_so()
    {
        var result = await BuildRun.RunAsync(new ParameterBuild(), x => x.Show, ["--host"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Parameter --host needs a value", result.Output);
    }

    [Fact]
    public async Task An_unknown_parameter_fails_with_the_closest_name()
    {
        var build = new ParameterBuild();
        var result = await BuildRun.RunAsync(build, x => x.Show, ["--rat", "5"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(build.Ran);
        Assert.Contains("Unknown parameter --rat. Did you mean --rate?", result.Output);
    }
}

public sealed class ParameterSourceTests
{
    private static async Task<ParameterBuild> Bind(string[] args, Dictionary<string, string> environment, bool withFiles = true)
    {
        using var root = new TempRoot();
        if (withFiles)
        {
            root.WriteNuke("parameters.json", """{ "$schema": "./build.schema.json", "Rate": 1, "Host": "from-file" }""");
            root.WriteNuke("parameters.ci.json", """{ "rate": 2 }""");
        }

        var build = new ParameterBuild();
        var result = await BuildRun.RunAsync(build, x => x.Show, args, environment, root);
        Assert.Equal(0, result.ExitCode);
        return build;
    }

    [Fact]
    public async Task Command_line_beats_environment_beats_profile_beats_parameters_json()
    {
        var environment = new Dictionary<string, string> { ["RATE"] = "3" };
        Assert.Equal(4, (await Bind(["--profile", "ci", "--rate", "4"], environment)).Rate);
        Assert.Equal(3, (await Bind(["--profile", "ci"], environment)).Rate);
        Assert.Equal(2, (await Bind(["--profile", "ci"], [])).Rate);
        Assert.Equal(1, (await Bind([], [])).Rate);
        Assert.Equal(10, (await Bind([], [], withFiles: false)).Rate);
    }

    [Fact]
    public async Task Environment_names_match_exactly_or_ignoring_case_and_underscores_optionally_with_NUKE_prefix()
    {
        var build = await Bind([], new Dictionary<string, string>
        {
            ["EXTRA_CA_CERTS"] = "/etc/ssl/ca.pem",
            ["NUKE_DURATION"] = "5s",
            ["Host"] = "exact",
            ["HOST"] = "loose",
            ["SERVICES"] = "redis,postgres",
        });

        Assert.Equal("/etc/ssl/ca.pem", build.ExtraCaCerts);
        Assert.Equal(TimeSpan.FromSeconds(5), build.Duration);
        Assert.Equal("exact", build.Host);
        Assert.Equal(["redis", "postgres"], build.Services);
    }

    [Fact]
    public async Task A_bad_environment_value_names_the_variable()
    {
        var result = await BuildRun.RunAsync(new ParameterBuild(), x => x.Show, [], new Dictionary<string, string> { ["RATE"] = "lots" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Parameter --rate (environment variable RATE): 'lots' is not valid", result.Output);
    }

    [Fact]
    public async Task A_malformed_parameters_file_names_the_file_line_and_problem()
    {
        using var root = new TempRoot();
        root.WriteNuke("parameters.json", "{\n  \"Rate\": 5,\n  \"Host\" \"vm1\"\n}");
        var build = new ParameterBuild();
        var result = await BuildRun.RunAsync(build, x => x.Show, [], root: root);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(build.Ran);
        Assert.StartsWith(".nuke/parameters.json line 3: ", result.Output.Trim());
        Assert.Single(result.Output.Trim().Split('\n'));
    }

    [Fact]
    public async Task A_key_in_a_parameters_file_that_is_no_parameter_is_an_error_with_a_suggestion()
    {
        using var root = new TempRoot();
        root.WriteNuke("parameters.json", """{ "Hots": "vm1" }""");
        var result = await BuildRun.RunAsync(new ParameterBuild(), x => x.Show, [], root: root);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(".nuke/parameters.json: 'Hots' is not a parameter of this build. Did you mean Host?", result.Output);
    }

    [Fact]
    public async Task A_missing_profile_file_is_named()
    {
        var result = await BuildRun.RunAsync(new ParameterBuild(), x => x.Show, ["--profile", "staging"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Profile 'staging': .nuke/parameters.staging.json does not exist", result.Output);
    }
}

public sealed class SecretMaskingTests
{
    [Fact]
    public async Task A_secret_is_masked_in_the_build_s_own_lines()
    {
        var result = await BuildRun.RunAsync(new ParameterBuild(), x => x.Show, ["--db-password", "hunter22"]);

        Assert.Contains("password is ***", result.Output);
        Assert.DoesNotContain("hunter22", result.Output);
    }

    [Fact]
    public async Task A_secret_is_masked_in_the_output_of_tools_the_build_runs()
    {
        var result = await BuildRun.RunAsync(new ParameterBuild(), x => x.Echo, [], new Dictionary<string, string> { ["DB_PASSWORD"] = "s3cr3t-value" });

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("tool says ***", result.Output);
        Assert.DoesNotContain("s3cr3t-value", result.Output);
    }

    [Fact]
    public async Task A_bad_secret_value_is_not_echoed_in_the_error()
    {
        var result = await BuildRun.RunAsync(new ParameterBuild(), x => x.Show, ["--db-password", "a", "b"]);

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("a b", result.Output);
    }
}

public sealed class HelpTests
{
    [Fact]
    public async Task Help_lists_listed_targets_with_descriptions_and_dependencies_then_parameters_with_type_and_default()
    {
        var build = new ParameterBuild();
        var result = await BuildRun.RunAsync(build, x => x.Show, ["--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(build.Ran);
        Assert.Matches(@"Show \(default\)\s+Prints what it was given", result.Output);
        Assert.DoesNotContain("Hidden", result.Output);
        Assert.Matches(@"--rate <number>\s+Requests per second \(default: 10\)", result.Output);
        Assert.Matches(@"--duration <duration>\s+How long to run \(default: 0:30\)", result.Output);
        Assert.Matches(@"--environment <dev\|prod>\s+Which environment \(default: dev\)", result.Output);
        Assert.Matches(@"--services <values...>\s+Services to act on", result.Output);
        Assert.Matches(@"--db-password <value>\s+Database password \(default: secret\)", result.Output);
        Assert.Contains("--verbosity <quiet|minimal|normal|verbose>", result.Output);
    }

    [Fact]
    public async Task An_unlisted_target_still_runs_by_name()
    {
        var build = new ParameterBuild();
        var result = await BuildRun.RunAsync(build, x => x.Show, ["hidden"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["Show"], build.Ran);
    }
}
