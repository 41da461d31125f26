namespace Mlstack.Build.Testing;

/// <summary>The suite's tiers. A test class names its tier with <c>[Trait("Tier", "integration")]</c> or
/// <c>[Trait("Tier", "system")]</c>; a class without one is a unit test, which must need no Docker Engine, no root
/// and no network namespace (the unit tier runs with DOCKER_HOST pointing at nothing, so one that does fails).</summary>
public enum TestTier
{
    /// <summary>Pure logic and the runner: seconds, anywhere.</summary>
    Unit,

    /// <summary>This machine's Docker Engine: fixture stacks, images, the whole stack.</summary>
    Integration,

    /// <summary>Fixture VMs (network namespaces with their own dockerd and sshd): SSH, Deploy, Bootstrap; root.</summary>
    System,
}

public static class TestTiers
{
    public const string Trait = "Tier";
    public const string Integration = "integration";
    public const string System = "system";

    /// <summary>An engine address where nothing answers: the unit tier's proof that it needs no engine.</summary>
    public const string NoEngine = "unix:///run/mlstack-unit-tier-has-no-engine.sock";

    public static string Name(TestTier tier) => tier switch
    {
        TestTier.Unit => "unit",
        TestTier.Integration => Integration,
        _ => System,
    };

    /// <summary>The xunit.v3 filter arguments that select a tier's tests.</summary>
    public static IReadOnlyList<string> Filter(TestTier tier) => tier == TestTier.Unit
        ? ["-trait-", $"{Trait}={Integration}", "-trait-", $"{Trait}={System}"]
        : ["-trait", $"{Trait}={Name(tier)}"];
}
