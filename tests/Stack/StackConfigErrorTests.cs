using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Stack;

/// <summary>Config mistakes, through the real build program, stop before anything starts.</summary>
[Trait(TestTiers.Trait, TestTiers.Integration)]
[Collection(EngineTests.Name)]
public sealed class StackConfigErrorTests
{
    [Fact]
    public async Task A_YAML_error_in_compose_yaml_is_one_line_naming_file_line_and_problem()
    {
        await Prerequisites.RequireEngineAsync();
        using var root = new TempRoot();
        var stack = Directory.CreateDirectory(Path.Combine(root.Path, "stack")).FullName;
        File.WriteAllText(Path.Combine(stack, "compose.yaml"), "services:\n  web:\n    image: x\n   ports: [80]\n");
        File.WriteAllText(Path.Combine(stack, "compose.dev.yaml"), "services: {}\n");
        File.WriteAllText(Path.Combine(stack, ".env.example"), "");

        var result = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["StackConfig", "--root", root.Path]);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"Target StackConfig failed: \S*stack/compose\.yaml line 4: [^\n]+", result.Output);
    }

    [Fact]
    public async Task The_stack_s_passwords_never_reach_the_console_even_in_compose_s_verbose_output()
    {
        await Prerequisites.RequireEngineAsync();
        var example = Mlstack.Build.Stack.EnvFile.Read(Path.Combine(RepositoryRoot.Path, "stack", ".env.example"));

        // A root of its own: compose really runs (no cached config), with the example's values whatever stack/.env
        // the developer has — the suite never reads the user's own settings.
        using var root = new TempRoot();
        var stack = Directory.CreateDirectory(Path.Combine(root.Path, "stack")).FullName;
        foreach (var file in new[] { "compose.yaml", "compose.dev.yaml", ".env.example" })
            File.Copy(Path.Combine(RepositoryRoot.Path, "stack", file), Path.Combine(stack, file));
        Directory.CreateSymbolicLink(Path.Combine(root.Path, "docker"), Path.Combine(RepositoryRoot.Path, "docker"));
        var result = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["StackConfig", "--verbosity", "verbose", "--root", root.Path]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("DATABASE_URL: postgresql://mlstack@postgres:5432/mlstack", result.Output); // its password is a file
        foreach (var name in Mlstack.Build.Stack.ProductionSecrets.PasswordVariables)
            Assert.DoesNotContain(example[name], result.Output);
    }

    [Fact]
    public async Task Prod_refuses_the_example_passwords_naming_the_variable_before_building_anything()
    {
        await Prerequisites.RequireEngineAsync();
        using var root = new TempRoot();
        var stack = Directory.CreateDirectory(Path.Combine(root.Path, "stack")).FullName;
        foreach (var file in new[] { "compose.yaml", "compose.prod.yaml", ".env.example" })
            File.Copy(Path.Combine(RepositoryRoot.Path, "stack", file), Path.Combine(stack, file));
        File.Copy(Path.Combine(RepositoryRoot.Path, "stack", ".env.example"), Path.Combine(stack, ".env"));

        var result = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Up", "--environment", "prod", "--root", root.Path]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Refusing to start prod: POSTGRES_PASSWORD is a well-known default", result.Output);
        Assert.Matches(@"Images\s+NotRun", result.Output);
    }

    [Fact]
    public async Task Prod_without_HTTPS_is_refused_in_one_line_naming_the_parameters_before_building_anything()
    {
        await Prerequisites.RequireEngineAsync();
        using var root = new TempRoot();
        var stack = Directory.CreateDirectory(Path.Combine(root.Path, "stack")).FullName;
        foreach (var file in new[] { "compose.yaml", "compose.prod.yaml", ".env.example" })
            File.Copy(Path.Combine(RepositoryRoot.Path, "stack", file), Path.Combine(stack, file));
        var strong = Guid.NewGuid().ToString("N");
        File.WriteAllText(Path.Combine(stack, ".env"), $"POSTGRES_PASSWORD=pg-{strong}\nAPP_DB_PASSWORD=app-{strong}\nREDIS_PASSWORD=r-{strong}\nS3_SECRET_ACCESS_KEY=s3-{strong}\nAPI_TOKEN=t-{strong}\nAPP_DB_USER=mlstack\nPOSTGRES_USER=admin\nS3_ACCESS_KEY_ID=k\n");

        var result = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Up", "--environment", "prod", "--root", root.Path]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(Mlstack.Build.Stack.EdgeCertificateOptions.Refusal, result.Output);
        Assert.Matches(@"Images\s+NotRun", result.Output);
    }

    [Fact]
    public async Task Up_with_Images_skipped_names_the_image_it_lacks_in_one_line()
    {
        await Prerequisites.RequireEngineAsync();
        await FixtureImage.EnsureAsync();
        using var root = new TempRoot();
        var stack = Directory.CreateDirectory(Path.Combine(root.Path, "stack")).FullName;
        var context = Directory.CreateDirectory(Path.Combine(root.Path, "docker", "never-built")).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), $"FROM debian:bookworm-slim\nRUN echo {Guid.NewGuid():N}\n");
        File.WriteAllText(Path.Combine(stack, "compose.yaml"), "services:\n  app:\n    image: mlstackfx/never-built:latest\n    build: {context: ../docker/never-built}\n");
        File.WriteAllText(Path.Combine(stack, "compose.dev.yaml"), "services:\n  app:\n    environment: {}\n"); // v1 reads "services: {}" as a version-1 file
        File.WriteAllText(Path.Combine(stack, ".env.example"), "");

        var result = await ChildProcess.RunAsync(Path.Combine(RepositoryRoot.Path, "build.sh"), ["Up", "--skip", "--root", root.Path]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Target Up failed: Image mlstackfx/never-built for these sources is not in the engine; run ./build.sh Images (don't skip it).", result.Output);
        Assert.Matches(@"Images\s+Skipped", result.Output);
    }
}
