using Mlstack.Build.Core;
using Mlstack.Build.Load;

namespace Mlstack.Tests.Load;

/// <summary>LoadTest's parameters are checked before anything is sent; each mistake names the parameter it is about.</summary>
public sealed class LoadProfilesTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void Valid_parameters_become_the_profile_as_given()
    {
        var profile = LoadProfiles.From(20, 40, 5 * Second, 20 * Second, 32, 2 * Second);

        Assert.Equal(new LoadProfile(20, 40, 5 * Second, 20 * Second, 32, 2 * Second), profile);
    }

    [Theory]
    [InlineData(0.0, null)]
    [InlineData(-1.0, null)]
    [InlineData(20.0, 0.0)]
    public void A_rate_that_is_not_above_zero_is_the_users_mistake(double rate, double? rampTo)
    {
        var error = Assert.Throws<BuildInputException>(() => LoadProfiles.From(rate, rampTo, Second, Second, 1, Second));

        Assert.EndsWith(": the arrival rate must be above 0 per second.", error.Message);
        Assert.StartsWith("--rate ", error.Message);
    }

    [Fact]
    public void A_zero_duration_or_negative_warmup_is_refused()
    {
        var zero = Assert.Throws<BuildInputException>(() => LoadProfiles.From(20, null, Second, TimeSpan.Zero, 1, Second));
        var negative = Assert.Throws<BuildInputException>(() => LoadProfiles.From(20, null, -Second, Second, 1, Second));

        Assert.Equal("--duration 00:00:00 / --warmup 00:00:01: the duration must be above 0 and the warmup not negative.", zero.Message);
        Assert.Equal("--duration 00:00:01 / --warmup -00:00:01: the duration must be above 0 and the warmup not negative.", negative.Message);
    }

    [Fact]
    public void At_least_one_request_must_be_allowed_in_flight()
    {
        var error = Assert.Throws<BuildInputException>(() => LoadProfiles.From(20, null, Second, Second, 0, Second));

        Assert.Equal("--max-in-flight 0: at least 1 request must be allowed in flight.", error.Message);
    }

    [Theory]
    [InlineData(1.0, 12, 5)]
    [InlineData(1.5, 0, 5)]
    [InlineData(1.5, 12, 0)]
    public void Capacity_steps_that_cannot_rise_or_measure_are_refused(double factor, int maxSteps, int seconds)
    {
        var steps = new CapacitySteps(TimeSpan.FromSeconds(seconds), factor, maxSteps);

        var error = Assert.Throws<BuildInputException>(steps.Validate);

        Assert.EndsWith(": the factor must be above 1, at least 1 step, and a positive duration.", error.Message);
        Assert.Contains($"/ --max-steps {maxSteps} / --step-duration {TimeSpan.FromSeconds(seconds)}", error.Message);
    }

    [Fact]
    public void The_default_capacity_steps_are_valid() => new CapacitySteps(TimeSpan.FromSeconds(5), 1.5, 12).Validate();
}
