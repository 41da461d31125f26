using System.Globalization;
using Mlstack.Build.Core;

namespace Mlstack.Build.Remote;

/// <summary>Where Deploy goes: <c>[user@]host[:port]</c>, root and 22 unless said otherwise.</summary>
public sealed record SshTarget(string User, string Host, int Port)
{
    public const int DefaultPort = 22;
    public const string DefaultUser = "root";

    public static SshTarget Parse(string? text)
    {
        var value = text?.Trim() ?? "";
        var at = value.LastIndexOf('@');
        var user = at >= 0 ? value[..at] : DefaultUser;
        var rest = at >= 0 ? value[(at + 1)..] : value;
        var (host, port) = SplitPort(rest);
        if (user.Length == 0 || host.Length == 0 || port is null || host.Any(c => char.IsWhiteSpace(c) || c is '@' or '/' or '[' or ']')
            || user.Any(char.IsWhiteSpace))
            throw Invalid(text);
        return new SshTarget(user, host, port.Value);
    }

    /// <summary>host, host:port, [v6]:port or a bare v6 address (several colons and no brackets: no port).</summary>
    private static (string Host, int? Port) SplitPort(string rest)
    {
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
                return ("", null);
            var after = rest[(close + 1)..];
            return (rest[1..close], after.Length == 0 ? DefaultPort : after.StartsWith(':') ? ParsePort(after[1..]) : null);
        }

        var colons = rest.Count(c => c == ':');
        if (colons != 1)
            return (rest, DefaultPort);
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        return (rest[..colon], ParsePort(rest[(colon + 1)..]));
    }

    private static int? ParsePort(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535 ? port : null;

    private static BuildInputException Invalid(string? text) =>
        new($"Parameter --host: '{text}' is not valid; expected [user@]host[:port], e.g. root@vm.example.com or deploy@10.0.0.5:2222.");

    /// <summary>How OpenSSH names this host in known_hosts: <c>host</c> on port 22, else <c>[host]:port</c>.</summary>
    public string KnownHostsName => Port == DefaultPort ? Host : $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}";

    public override string ToString() => $"{User}@{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port.ToString(CultureInfo.InvariantCulture)}";
}
