using Mlstack.Build.Core;
using Mlstack.Build.Stack;

namespace Mlstack.Tests.Stack;

/// <summary>Down and Logs as compose commands, and Down's confirmation, without compose.</summary>
public sealed class StackDownLogsTests
{
    [Fact]
    public void Removing_volumes_without_yes_is_refused_before_anything_stops()
    {
        var error = Assert.Throws<BuildInputException>(() => StackDown.Confirm(removeVolumes: true, yes: false));

        Assert.Equal("Down --remove-volumes deletes the stack's data (databases, objects, metrics); add --yes to confirm.", error.Message);
        StackDown.Confirm(removeVolumes: true, yes: true);
        StackDown.Confirm(removeVolumes: false, yes: false);
    }

    [Fact]
    public void Down_keeps_volumes_unless_told()
    {
        Assert.Equal(["down", "--remove-orphans"], StackDown.Command(removeVolumes: false));
        Assert.Equal(["down", "--remove-orphans", "--volumes"], StackDown.Command(removeVolumes: true));
    }

    [Fact]
    public void Logs_tails_without_colour_then_follows_then_names_the_services()
    {
        Assert.Equal(["logs", "--no-color", "--tail", "100"], StackLogs.Command(100, follow: false, []));
        Assert.Equal(["logs", "--no-color", "--tail", "5", "--follow", "api", "worker"], StackLogs.Command(5, follow: true, ["api", "worker"]));
    }
}
