using Mlstack.Build.Core;
using Mlstack.Build.Load;

namespace Mlstack.Tests.Load;

/// <summary>--scenarios picks the declared scenarios by name; none given is all of them.</summary>
public sealed class ScenarioSelectionTests
{
    private static readonly IReadOnlyList<LoadScenario> All = StackLoadScenarios.All(null);

    [Fact]
    public void No_names_run_every_scenario_in_declared_order()
    {
        Assert.Equal(["predict", "health"], ScenarioSelection.Pick(All, []).Select(s => s.Name));
    }

    [Fact]
    public void Names_match_whatever_their_case_and_keep_the_declared_order()
    {
        Assert.Equal(["predict", "health"], ScenarioSelection.Pick(All, ["HEALTH", "Predict"]).Select(s => s.Name));
        Assert.Equal(["health"], ScenarioSelection.Pick(All, ["health", "nope"]).Select(s => s.Name));
    }

    [Fact]
    public void Names_that_match_nothing_are_the_users_mistake()
    {
        var error = Assert.Throws<BuildInputException>(() => ScenarioSelection.Pick(All, ["train", "study"]));

        Assert.Equal("--scenarios train study: none of these exists; choose from predict, health.", error.Message);
    }
}
