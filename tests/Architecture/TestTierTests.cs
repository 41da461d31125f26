using System.Reflection;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Architecture;

/// <summary>The unit tier must run anywhere: a test class that needs this machine's engine (the "Docker Engine"
/// collections) or a fixture VM carries the tier that says so, or UnitTest would need an engine too.</summary>
public sealed class TestTierTests
{
    private static IEnumerable<Type> TestClasses() => typeof(TestTierTests).Assembly.GetTypes()
        .Where(t => t.IsClass && !t.IsAbstract && t.GetMethods().Any(m => m.GetCustomAttributes<FactAttribute>().Any()));

    private static string? TierOf(Type type) => type.GetCustomAttributes<TraitAttribute>()
        .Select(t => t.GetType().GetProperty("Name")?.GetValue(t) is TestTiers.Trait ? t.GetType().GetProperty("Value")?.GetValue(t) as string : null)
        .FirstOrDefault(v => v != null);

    [Fact]
    public void Every_class_on_a_fixture_VM_is_in_the_system_tier()
    {
        var onVm = TestClasses().Where(t => t.GetConstructors().Any(c => c.GetParameters().Any(p => p.ParameterType == typeof(TestVm)))).ToList();
        Assert.NotEmpty(onVm);
        Assert.Empty(onVm.Where(t => TierOf(t) != TestTiers.System).Select(t => t.Name));
    }

    [Fact]
    public void Every_class_on_this_machines_engine_names_a_tier()
    {
        string[] engineCollections = [EngineTests.Name, FixtureStacks.Name, EngineAlone.Name];
        var onEngine = TestClasses().Where(t => t.GetCustomAttribute<CollectionAttribute>() is { } c
            && engineCollections.Contains(c.GetType().GetProperty("Name")?.GetValue(c) as string)).ToList();
        Assert.NotEmpty(onEngine);
        Assert.Empty(onEngine.Where(t => TierOf(t) is not (TestTiers.Integration or TestTiers.System)).Select(t => t.Name));
    }

    [Fact]
    public void The_unit_tier_filter_leaves_out_both_other_tiers()
    {
        var filter = string.Join(' ', TestTiers.Filter(TestTier.Unit));
        Assert.Contains($"-trait- {TestTiers.Trait}={TestTiers.Integration}", filter, StringComparison.Ordinal);
        Assert.Contains($"-trait- {TestTiers.Trait}={TestTiers.System}", filter, StringComparison.Ordinal);
        Assert.Equal(["-trait", $"{TestTiers.Trait}={TestTiers.System}"], TestTiers.Filter(TestTier.System));
    }
}
