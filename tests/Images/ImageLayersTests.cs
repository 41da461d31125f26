using Mlstack.Build.Images;

namespace Mlstack.Tests.Images;

/// <summary>A layer is named by the history up to it (BuildKit's history ids are "&lt;missing&gt;"), so images built
/// on the same steps share it and a total counts it once.</summary>
public sealed class ImageLayersTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 21, 47, 57, TimeSpan.Zero);
    private static readonly HistoryEntry Base = new("", T0, 117_000_000);
    private static readonly HistoryEntry Nginx = new("RUN apt-get install nginx-light", T0.AddMinutes(1), 20_900_000);

    /// <param name="oldestFirst">Steps oldest first, for reading; the engine lists them newest first.</param>
    private static IReadOnlyList<Layer> Image(params HistoryEntry[] oldestFirst) => ImageLayers.FromHistory([.. oldestFirst.Reverse()]);

    [Fact]
    public void Layers_come_out_oldest_first_with_their_sizes()
    {
        var layers = Image(Base, Nginx, new("CMD [\"nginx\"]", T0.AddMinutes(2), 0));

        Assert.Equal([117_000_000L, 20_900_000, 0], layers.Select(l => l.Size));
    }

    [Fact]
    public void Images_built_on_the_same_steps_share_those_layers_and_count_them_once()
    {
        var edge = Image(Base, Nginx, new("COPY edge.sh /usr/local/bin/edge", T0.AddMinutes(5), 4_000));
        var frontend = Image(Base, Nginx, new("COPY index.html /usr/share/mlstack/", T0.AddMinutes(6), 3_000));

        Assert.Equal(edge[1].Identity, frontend[1].Identity);
        Assert.Equal(117_000_000 + 20_900_000 + 4_000 + 3_000, ImageLayers.DistinctSize([edge, frontend]));
    }

    [Fact]
    public void The_same_step_on_a_different_history_is_a_different_layer()
    {
        var rebuiltNginx = Nginx with { Created = T0.AddHours(3) };
        var copy = new HistoryEntry("COPY nginx.conf /etc/nginx/", T0.AddHours(4), 1_000);

        var one = Image(Base, Nginx, copy);
        var other = Image(Base, rebuiltNginx, copy);

        Assert.Equal(one[0].Identity, other[0].Identity);
        Assert.NotEqual(one[2].Identity, other[2].Identity);
        Assert.Equal(117_000_000 + 2 * (20_900_000 + 1_000), ImageLayers.DistinctSize([one, other]));
    }

    [Fact]
    public void An_image_on_top_of_another_adds_only_its_own_layers()
    {
        var pip = new HistoryEntry("RUN pip install", T0.AddMinutes(3), 900_000_000);
        var mlService = Image(Base, pip);
        var worker = Image(Base, pip, new("COPY worker.sh /", T0.AddMinutes(4), 2_000));

        Assert.Equal(1_017_002_000, ImageLayers.DistinctSize([mlService, worker]));
    }
}
