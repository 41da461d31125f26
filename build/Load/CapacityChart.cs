using System.Globalization;
using System.Text;

namespace Mlstack.Build.Load;

/// <summary>p99 latency against the asked rate, one line per scenario, on a log-scaled rate axis: where a line turns
/// up is the knee. A plain SVG that needs no network to view.</summary>
public static class CapacityChart
{
    private const int Width = 760, Height = 320, Left = 60, Right = 150, Top = 24, Bottom = 40;
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

    public static string Svg(IReadOnlyDictionary<string, IReadOnlyList<(double Rate, double P99Ms)>> series)
    {
        var points = series.Values.SelectMany(p => p).ToList();
        var (minRate, maxRate) = (Math.Max(0.1, points.Min(p => p.Rate)), Math.Max(0.2, points.Max(p => p.Rate)));
        var maxMs = Math.Max(1, points.Max(p => p.P99Ms)) * 1.1;
        var span = Math.Max(1e-9, Math.Log(maxRate) - Math.Log(minRate));
        double X(double rate) => Left + ((Width - Left - Right) * (Math.Log(Math.Max(rate, minRate)) - Math.Log(minRate)) / span);
        double Y(double ms) => Top + ((Height - Top - Bottom) * (1 - (ms / maxMs)));
        string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/><text x=\"{Left}\" y=\"15\" font-size=\"13\">p99 latency (corrected) against the asked rate</text>");
        for (var i = 0; i <= 4; i++)
            svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(Y(maxMs * i / 4))}\" y2=\"{F(Y(maxMs * i / 4))}\" stroke=\"#ddd\"/><text x=\"{Left - 6}\" y=\"{F(Y(maxMs * i / 4) + 4)}\" text-anchor=\"end\">{LoadVerdict.Ms(maxMs * i / 4)}</text>");
        foreach (var rate in series.Values.SelectMany(p => p).Select(p => p.Rate).Distinct())
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{F(X(rate))}\" y=\"{Height - Bottom + 14}\" text-anchor=\"middle\">{rate:0.#}</text>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 6}\" text-anchor=\"middle\">requests per second asked (log scale)</text>");
        var color = 0;
        foreach (var (name, line) in series)
        {
            var stroke = Colors[color++ % Colors.Length];
            svg.AppendLine(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{stroke}\" stroke-width=\"2\" points=\"{string.Join(' ', line.Select(p => $"{F(X(p.Rate))},{F(Y(p.P99Ms))}"))}\"/>");
            foreach (var p in line)
                svg.AppendLine(CultureInfo.InvariantCulture, $"<circle cx=\"{F(X(p.Rate))}\" cy=\"{F(Y(p.P99Ms))}\" r=\"3\" fill=\"{stroke}\"/>");
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 10}\" y=\"{Top + (color * 16)}\" fill=\"{stroke}\">{System.Security.SecurityElement.Escape(name)}</text>");
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }
}
