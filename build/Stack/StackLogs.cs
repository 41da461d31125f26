using System.Globalization;

namespace Mlstack.Build.Stack;

/// <summary>Logs: compose's logs command for --tail, --follow and --service.</summary>
public static class StackLogs
{
    /// <summary>No colour: the lines go through the build's log (and CI's), where escape codes are noise.</summary>
    public static string[] Command(int tail, bool follow, IReadOnlyList<string> services)
    {
        List<string> command = ["logs", "--no-color", "--tail", tail.ToString(CultureInfo.InvariantCulture)];
        if (follow)
            command.Add("--follow");
        command.AddRange(services);
        return [.. command];
    }
}
