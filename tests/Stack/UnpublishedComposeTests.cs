using Mlstack.Build.Stack;
using Mlstack.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Mlstack.Tests.Stack;

public sealed class UnpublishedComposeTests
{
    private static YamlMappingNode Services(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["services"];
    }

    [Fact]
    public void The_stacks_compose_file_keeps_every_service_and_setting_but_publishes_nothing()
    {
        var original = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "stack", "compose.yaml"));
        var scratch = Services(UnpublishedCompose.Of(original));
        var before = Services(original);

        Assert.Contains(before.Children.Values, s => ((YamlMappingNode)s).Children.ContainsKey("ports"));
        Assert.Equal(before.Children.Keys, scratch.Children.Keys);
        Assert.DoesNotContain(scratch.Children.Values, s => ((YamlMappingNode)s).Children.ContainsKey("ports"));
        var edgeNet = (YamlMappingNode)scratch["edge-net"];
        Assert.Equal(((YamlMappingNode)before["edge-net"]).Children.Count - 1, edgeNet.Children.Count);
        Assert.Equal("frontend", ((YamlMappingNode)edgeNet["networks"]).Children.Keys.Single().ToString());
    }

    [Fact]
    public void Both_list_forms_go_and_what_follows_them_stays()
    {
        const string yaml = """
            services:
              a:
                image: x
                ports:
                  - "8080:80"

                  - 9090:90
                environment:
                  PORTS: "1"
              b:
                ports: ["127.0.0.1:5432:5432"]
                volumes: [data:/data]
            volumes:
              data: {}
            """;
        var services = Services(UnpublishedCompose.Of(yaml));
        Assert.Equal(["image", "environment"], ((YamlMappingNode)services["a"]).Children.Keys.Select(k => k.ToString()));
        Assert.Equal(["volumes"], ((YamlMappingNode)services["b"]).Children.Keys.Select(k => k.ToString()));
    }
}
