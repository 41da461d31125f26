using Mlstack.Build.Smoke;

namespace Mlstack.Tests.Smoke;

/// <summary>Where a smoke run's JUnit report goes: a scratch stack's, or another project's, beside the stack's own, never over it.</summary>
public sealed class SmokeRunTests
{
    [Fact]
    public void The_stacks_report_is_smoke_xml()
    {
        Assert.Equal(Path.Combine("/r", "smoke.xml"), SmokeRun.JUnitFile("/r", null));
    }

    [Fact]
    public void The_default_projects_report_is_smoke_xml_and_another_projects_is_named_after_it()
    {
        Assert.Equal(Path.Combine("/r", "smoke.xml"), SmokeRun.JUnitFile("/r", Mlstack.Build.Stack.ComposeProject.DefaultName));
        Assert.Equal(Path.Combine("/r", "smoke-mlstacktest.xml"), SmokeRun.JUnitFile("/r", "mlstacktest"));
    }

    [Fact]
    public void A_scratch_stacks_report_is_named_after_its_project()
    {
        Assert.Equal(Path.Combine("/r", "smoke-mlstack-verify.xml"), SmokeRun.JUnitFile("/r", "mlstack-verify"));
    }
}
