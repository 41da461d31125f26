using System.Globalization;
using System.Text;

namespace Mlstack.Build.Load;

/// <summary>Latency over time as a plain SVG: corrected p50 and p99 per second for each scenario.</summary>
public static class LatencyChart
{
    private const int Width = 760, Height = 320, Left = 60, Right = 150, Top = 20, Bottom = 40;
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

    public static string Svg(IReadOnlyDictionary<string, IReadOnlyList<(long Count, long Errors, double P50Ms, double P99Ms)>> timelines)
    {
        var seconds = Math.Max(1, timelines.Values.Max(t => t.Count));
        var maxMs = Math.Max(1, timelines.Values.SelectMany(t => t).Select(p => p.P99Ms).DefaultIfEmpty(1).Max()) * 1.1;
        double X(int second) => Left + ((Width - Left - Right) * second / (double)Math.Max(1, seconds - 1));
        double Y(double ms) => Top + ((Height - Top - Bottom) * (1 - (ms / maxMs)));
        string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"14\" font-size=\"13\">Latency over time (corrected; solid p50, dashed p99)</text>");
        for (var i = 0; i <= 4; i++)
        {
            var ms = maxMs * i / 4;
            svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(Y(ms))}\" y2=\"{F(Y(ms))}\" stroke=\"#ddd\"/><text x=\"{Left - 6}\" y=\"{F(Y(ms) + 4)}\" text-anchor=\"end\">{LoadVerdict.Ms(ms)}</text>");
        }

        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 8}\" text-anchor=\"middle\">seconds (measured part)</text>");
        var color = 0;
        foreach (var (name, points) in timelines)
        {
            var stroke = Colors[color++ % Colors.Length];
            var p50 = string.Join(' ', points.Select((p, i) => $"{F(X(i))},{F(Y(p.P50Ms))}"));
            var p99 = string.Join(' ', points.Select((p, i) => $"{F(X(i))},{F(Y(p.P99Ms))}"));
            svg.AppendLine(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{stroke}\" stroke-width=\"2\" points=\"{p50}\"/>");
            svg.AppendLine(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{stroke}\" stroke-width=\"1.5\" stroke-dasharray=\"5,3\" points=\"{p99}\"/>");
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 10}\" y=\"{Top + (color * 16)}\" fill=\"{stroke}\">{System.Security.SecurityElement.Escape(name)}</text>");
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }
}
