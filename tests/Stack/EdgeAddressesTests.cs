using Mlstack.Build.Stack;

namespace Mlstack.Tests.Stack;

/// <summary>A canary asks the edge for the new and the old copies' addresses in one exec, and splits the answer by name.</summary>
public sealed class EdgeAddressesTests
{
    [Fact]
    public void Each_name_gets_the_addresses_getent_printed_after_it()
    {
        const string output = """
            @mlstack-web-2
            172.18.0.9      STREAM mlstack-web-2
            172.18.0.9      DGRAM
            172.18.0.9      RAW
            172.19.0.4      STREAM
            @mlstack-web-1
            172.18.0.5      STREAM mlstack-web-1
            172.18.0.5      DGRAM
            @gone
            """;

        var addresses = EdgeRoutes.Addresses(output);

        Assert.Equal(["172.18.0.9", "172.19.0.4"], addresses["mlstack-web-2"].Order());
        Assert.Equal(["172.18.0.5"], addresses["mlstack-web-1"]);
        Assert.Empty(addresses["gone"]);
    }

    [Fact]
    public void Nothing_printed_is_no_addresses()
    {
        Assert.Empty(EdgeRoutes.Addresses(string.Empty));
    }
}
