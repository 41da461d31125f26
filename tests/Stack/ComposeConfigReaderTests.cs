using Mlstack.Build.Core;
using Mlstack.Build.Host;
using Mlstack.Build.Stack;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Stack;

public sealed class ComposeConfigReaderTests
{
    private const string V1Config = """
        services:
          migrate:
            build:
              context: /repo/docker/app
              args:
                BASE_IMAGE: debian:bookworm-slim
            depends_on:
              db:
                condition: service_healthy
            healthcheck:
              test:
              - NONE
            image: mlstack/app:latest
            restart: 'no'
          db:
            image: mlstack/db:latest
            healthcheck:
              test: [CMD, pg_isready]
              interval: 5s
              timeout: 3s
              retries: 6
              start_period: 1m30s
            restart: unless-stopped
            network_mode: service:db-net
        """;

    [Fact]
    public void A_tab_in_the_indentation_is_reported_on_its_own_line_not_line_1()
    {
        using var root = new TempRoot();
        var file = Path.Combine(root.Path, "compose.yaml");
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "stack", "compose.yaml"));
        var target = Array.FindIndex(lines, 36, l => l.StartsWith("    ", StringComparison.Ordinal));
        lines[target] = "\t" + lines[target][2..];
        File.WriteAllLines(file, lines);

        var error = Assert.Throws<BuildInputException>(() => ComposeConfigReader.CheckSyntax(file));

        Assert.Equal($"{file} line {target + 1}: While scanning a mapping, found invalid tab as indentation.", error.Message);
    }

    [Fact]
    public void A_secret_whose_file_moved_changes_the_config_Up_compares_of_exactly_the_services_that_mount_it()
    {
        static ComposeModel Config(string path) => ComposeConfigReader.Parse($$"""
            services:
              app:
                image: app
                secrets:
                - source: db_password
                  target: db_password
              web:
                image: web
            secrets:
              db_password:
                file: {{path}}
            """);

        var (before, after) = (Config("/s/db_password-aaaa/db_password"), Config("/s/db_password-bbbb/db_password"));

        Assert.NotEqual(before.Find("app")!.ConfigText, after.Find("app")!.ConfigText);
        Assert.Contains("secret-file db_password=/s/db_password-aaaa/db_password", before.Find("app")!.ConfigText);
        Assert.Equal(before.Find("web")!.ConfigText, after.Find("web")!.ConfigText);
    }

    [Fact]
    public void Parses_builds_healthchecks_dependencies_and_one_shots()
    {
        var model = ComposeConfigReader.Parse(V1Config);

        var migrate = model.Find("migrate")!;
        Assert.True(migrate.IsOneShot);
        Assert.Null(migrate.Healthcheck);
        Assert.Equal("/repo/docker/app", migrate.Build!.Context);
        Assert.Equal("debian:bookworm-slim", migrate.Build.Args["BASE_IMAGE"]);
        Assert.Equal("service_healthy", migrate.DependsOn["db"]);

        var db = model.Find("db")!;
        Assert.False(db.IsOneShot);
        Assert.Equal(new HealthcheckSpec(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(3), 6, TimeSpan.FromSeconds(90)), db.Healthcheck);
        Assert.Equal("db-net", db.NetworkOf);
        Assert.Null(migrate.NetworkOf);
    }

    [Fact]
    public void A_YAML_error_names_the_file_and_line_in_one_line()
    {
        using var root = new TempRoot();
        var file = Path.Combine(root.Path, "compose.yaml");
        File.WriteAllText(file, "services:\n  web:\n    image: x\n   ports: [80]\n");

        var error = Assert.Throws<BuildInputException>(() => ComposeConfigReader.CheckSyntax(file));

        Assert.StartsWith($"{file} line 4: ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}

public sealed class ProductionSecretsTests
{
    private static readonly Dictionary<string, string> Examples = new() { ["POSTGRES_PASSWORD"] = "mlstack-dev-admin" };

    private static Dictionary<string, string> Strong() => new()
    {
        ["POSTGRES_PASSWORD"] = "v8Qe-2nR",
        ["APP_DB_PASSWORD"] = "k3Lp-9zT",
        ["REDIS_PASSWORD"] = "Zr7-wq1M",
        ["S3_SECRET_ACCESS_KEY"] = "Yt5-pp0K",
        ["API_TOKEN"] = "Qm4-xx8Vb2",
    };

    [Fact]
    public void Real_secrets_pass()
    {
        ProductionSecrets.Check(Strong(), Examples);
    }

    [Theory]
    [InlineData("APP_DB_PASSWORD", "", "Refusing to start prod: APP_DB_PASSWORD is empty; set it in stack/.env or the environment.")]
    [InlineData("REDIS_PASSWORD", "changeme", "Refusing to start prod: REDIS_PASSWORD is a well-known default; set a real secret in stack/.env or the environment.")]
    [InlineData("API_TOKEN", "", "Refusing to start prod: API_TOKEN is empty; set it in stack/.env or the environment.")]
    [InlineData("API_TOKEN", "mlstack-dev-admin", "Refusing to start prod: API_TOKEN is a well-known default; set a real secret in stack/.env or the environment.")]
    [InlineData("S3_SECRET_ACCESS_KEY", "mlstack-dev-admin", "Refusing to start prod: S3_SECRET_ACCESS_KEY is a well-known default; set a real secret in stack/.env or the environment.")]
    public void An_empty_or_default_password_is_refused_by_name(string variable, string value, string message)
    {
        var values = Strong();
        values[variable] = value;

        var error = Assert.Throws<BuildInputException>(() => ProductionSecrets.Check(values, Examples));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void The_shipped_example_file_is_refused_for_prod()
    {
        var example = EnvFile.Read(Path.Combine(RepositoryRoot.Path, "stack", ".env.example"));

        Assert.Throws<BuildInputException>(() => ProductionSecrets.Check(example, example));
    }
}
