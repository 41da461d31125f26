using Mlstack.Build.Core;

namespace Mlstack.Build.Gates;

/// <summary>Shows the gate's progress: on a terminal a table redrawn in place, otherwise one line per change.</summary>
public sealed class GateTable(IReadOnlyList<ServiceGoal> goals, BuildLog log, bool live)
{
    private readonly Dictionary<string, string> _shown = [];
    private int _drawnLines;

    public void Update(IReadOnlyDictionary<string, GateState> states, TimeSpan elapsed)
    {
        if (live)
            Redraw(states, elapsed);
        else
            PrintChanges(states, elapsed);
    }

    private void PrintChanges(IReadOnlyDictionary<string, GateState> states, TimeSpan elapsed)
    {
        foreach (var goal in goals.Where(g => states.ContainsKey(g.Service)))
        {
            var text = Text(states[goal.Service]);
            if (_shown.TryGetValue(goal.Service, out var before) && before == text)
                continue;
            _shown[goal.Service] = text;
            log.Info($"  {elapsed.TotalSeconds,6:0.0}s  {goal.Service,-20} {text}");
        }
    }

    private void Redraw(IReadOnlyDictionary<string, GateState> states, TimeSpan elapsed)
    {
        var lines = new List<string> { $"  {"service",-20} {"goal",-10} state    ({elapsed.TotalSeconds:0}s)" };
        lines.AddRange(goals.Select(g => $"  {g.Service,-20} {g.Kind.ToString().ToLowerInvariant(),-10} {(states.TryGetValue(g.Service, out var s) ? Text(s) : "")}"));
        var up = _drawnLines > 0 ? $"\e[{_drawnLines}A" : string.Empty;
        log.WriteAt(Verbosity.Normal, up + string.Join('\n', lines.Select(l => "\e[2K" + l)), null);
        _drawnLines = lines.Count;
    }

    private static string Text(GateState state) => state.Verdict switch
    {
        Verdict.Passed => $"✓ {state.Text}",
        Verdict.Failed => $"✗ {state.Text}",
        _ => $"… {state.Text}",
    };
}
